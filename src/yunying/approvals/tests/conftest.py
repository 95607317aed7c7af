from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def demo(db: Any) -> None:
    """The demo chain (without two years of sales): its people act in the tests."""
    from tests.snapshots import demo_chain

    demo_chain()


@pytest.fixture
def api(client: Any, demo: None) -> Any:
    """``api("store01")``: a workflow API client acting as that demo login."""
    from yunying.accounts.models import User
    from yunying.workflow.tests.apiclient import Api

    made: dict[str, Any] = {}

    def of(login: str) -> Any:
        if login not in made:
            made[login] = Api(client, User.objects.get(username=login))
        return made[login]

    return of
