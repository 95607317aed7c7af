"""With a real server: while requests set off expression bombs (each one a visible 4xx), another user's
approval and a login at the same moment succeed — no worker frozen, no "database is locked"."""

from __future__ import annotations

import http.cookiejar
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from yunying.accounts.services import token_create
from yunying.workflow import services
from yunying.workflow.models import InstanceEvent, ProcessInstance
from yunying.workflow.tests.conftest import open_tasks, single_xml
from yunying.workflow.tests.test_expression_limits import RUNTIME_BOMB, gateway_xml

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = "表达式超出计算限制"


def _call(url: str, *, secret: str, body: Any) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _login_form(base: str, username: str, password: str) -> Any:
    """Open the login page (session and CSRF cookies); the returned call posts the form, answering
    the status and the page it ends on."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login/", timeout=60).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token}

    def post() -> tuple[int, str]:
        request = urllib.request.Request(
            f"{base}/login/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": f"{base}/login/"},
            method="POST",
        )
        with opener.open(request, timeout=60) as resp:
            return resp.status, resp.geturl()

    return post


def test_others_keep_working_while_bombs_go_off(deploy: Any, chain: Any, live_server: Any) -> None:
    deploy("bomb.bpmn", key="bomb", xml=gateway_xml(RUNTIME_BOMB))
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    waiting = services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    [task] = open_tasks(waiting)
    bomber = token_create(user=chain.users["store_a1"], name="bomb")[1]
    approver = token_create(user=chain.users["area_a"], name="approve")[1]
    chain.users["gm"].set_password("secret-pass-1")
    chain.users["gm"].save()

    calls: dict[str, Any] = {
        f"bomb{i}": lambda: _call(
            f"{live_server.url}/api/workflow/instances",
            secret=bomber,
            body={"key": "bomb", "data": {"n": 10000}},
        )
        for i in range(3)
    }
    calls["approve"] = lambda: _call(
        f"{live_server.url}/api/workflow/tasks/{task.pk}/complete",
        secret=approver,
        body={"action": "approve"},
    )
    calls["login"] = _login_form(live_server.url, "gm", "secret-pass-1")
    results: dict[str, tuple[int, str]] = {}
    barrier = threading.Barrier(len(calls))

    def run(name: str) -> None:
        barrier.wait()
        results[name] = calls[name]()

    threads = [threading.Thread(target=run, args=(name,)) for name in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    for i in range(3):
        status, text = results[f"bomb{i}"]
        assert 400 <= status < 500 and LIMIT in json.dumps(json.loads(text), ensure_ascii=False)
    assert results["approve"][0] == 200, results["approve"]
    assert InstanceEvent.objects.filter(instance=waiting, action="approve").count() == 1
    status, landed = results["login"]
    assert status == 200 and not landed.endswith("/login/")  # logged in: the login was written
    assert not ProcessInstance.objects.filter(definition__key="bomb", status="running").exists()
