from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY


@pytest.fixture
def held_queue() -> Iterator[Any]:
    """The queue holds tasks instead of running them at once: the test drives the outbox itself."""
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


@pytest.fixture
def admin(chain: Any) -> Any:
    user = chain.users["gm"]
    user.is_superuser = user.is_staff = True
    user.save()
    return user
