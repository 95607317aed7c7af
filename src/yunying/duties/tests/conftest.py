"""Shared set-up of the duties tests: the factory chain of the project's conftest with an operations
manager above the management department, and only the duties a test makes (the shipped ones switched off)."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.duties.models import Duty
from yunying.org.factories import person_with_login


@pytest.fixture
def ops_chain(chain: Any) -> Any:
    chain.users["ops"] = person_with_login("ops", "OPS-MGR", chain.mgmt.parent)
    Duty.objects.update(is_active=False)
    return chain
