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


@pytest.mark.parametrize(
    "path", ["/api/assets?store=%00&category=x", "/api/workflow/tasks?q=a%00b", "/org/stores/?q=%00"]
)
def test_a_nul_character_in_the_query_is_refused_not_a_500(chain, path):
    """PostgreSQL refuses NUL in text: such a request is a 400 with a message and reaches no query."""
    client = Client()
    client.force_login(chain.users["mgmt"])
    response = client.get(path)
    assert response.status_code == 400
    body = response.json()["detail"] if path.startswith("/api/") else response.content.decode()
    assert "无效的字符" in body


def test_a_nul_character_in_a_json_body_is_refused_not_a_500(chain):
    from yunying.workflow.models import ProcessInstance

    client = Client()
    client.force_login(chain.users["mgmt"])
    before = ProcessInstance.objects.count()
    response = client.post(
        "/api/workflow/instances",
        '{"key": "purchase", "data": {"reason": "a\\u0000b"}}',
        content_type="application/json",
    )
    assert response.status_code == 422 and "无效的字符" in response.json()["detail"]
    assert ProcessInstance.objects.count() == before
