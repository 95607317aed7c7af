"""A small client of the workflow API for tests: bearer token, JSON bodies, multipart deploys."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from yunying.accounts.services import token_create
from yunying.workflow.models import ProcessInstance


class Api:
    def __init__(self, client: Any, user: Any) -> None:
        self.client = client
        self.user = user
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='t')[1]}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/workflow{path}", params, **self.auth)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api/workflow{path}", json.dumps(body or {}), content_type="application/json", **self.auth
        )

    def deploy(self, key: str, files: list[tuple[str, bytes]], name: str = "测试流程", **fields: Any) -> Any:
        """Deploy ``files`` (name, content): ``*.bpmn`` go as ``bpmn``, ``*.dmn`` as ``dmn``."""
        body: dict[str, Any] = {"key": key, "name": name, **fields}
        bpmn = [
            SimpleUploadedFile(n, x, content_type="application/xml") for n, x in files if n.endswith(".bpmn")
        ]
        dmn = [
            SimpleUploadedFile(n, x, content_type="application/xml") for n, x in files if n.endswith(".dmn")
        ]
        body["bpmn"] = bpmn if len(bpmn) > 1 else bpmn[0]
        if dmn:
            body["dmn"] = dmn
        return self.client.post("/api/workflow/definitions", body, **self.auth)

    def my_task(self, instance_id: int) -> dict[str, Any]:
        [task] = [t for t in self.get("/tasks", limit=200).json()["items"] if t["instance_id"] == instance_id]
        return dict(task)

    def act(self, instance_id: int, action: str = "approve", **body: Any) -> Any:
        task = self.my_task(instance_id)
        resp = self.post(f"/tasks/{task['id']}/complete", {"action": action, **body})
        assert resp.status_code == 200, resp.content.decode()
        return resp.json()


def who_acted(instance_id: int) -> list[tuple[str, str, str]]:
    """(step element id, outcome, who acted) for every finished step row, in order."""
    instance = ProcessInstance.objects.get(pk=instance_id)
    return [
        (t.element_id, t.outcome, t.acted_by.username if t.acted_by else "")
        for t in instance.tasks.exclude(outcome="").select_related("acted_by").order_by("completed_at", "pk")
    ]
