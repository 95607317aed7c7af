from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def ops(chain: Any) -> Any:
    """The 运营经理 of the test chain (the middle tier of the authority matrix)."""
    from yunying.org.factories import person_with_login
    from yunying.org.models import OrgUnit

    return person_with_login("ops", "OPS-MGR", OrgUnit.objects.get(code="CTR"))
