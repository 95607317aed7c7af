"""Out-of-range paging answers 4xx, never 500."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("offset", ["99999999999999999999", "1000001", "-1"])
def test_huge_or_negative_task_offset_is_422(chain, offset):
    client = Client()
    client.force_login(chain.users["mgmt"])
    response = client.get("/api/workflow/tasks", {"offset": offset})
    assert response.status_code == 422


def test_paging_within_range_still_works(chain):
    client = Client()
    client.force_login(chain.users["mgmt"])
    response = client.get("/api/workflow/tasks", {"offset": "1000000", "limit": "99999999999999999999"})
    assert response.status_code == 200 and response.json()["items"] == []
