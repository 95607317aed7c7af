"""Workflow test helpers: deploy a diagram from tests/bpmn, act as the chain's users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yunying.workflow.models import ProcessVersion

BPMN_DIR = Path(__file__).parent / "bpmn"
PROCESSES_DIR = Path(__file__).parents[1] / "processes"


def read(name: str) -> bytes:
    path = BPMN_DIR / name
    return (path if path.exists() else PROCESSES_DIR / name).read_bytes()


@pytest.fixture
def deployer(chain: Any) -> Any:
    from django.contrib.auth.models import Permission

    user = chain.users["mgmt"]
    user.user_permissions.add(
        Permission.objects.get(codename="deploy_process"), Permission.objects.get(codename="monitor_process")
    )
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def deploy(deployer: Any) -> Any:
    from yunying.workflow.services import definition_deploy

    def _deploy(name: str, key: str | None = None, **kwargs: Any) -> ProcessVersion:
        xml = kwargs.pop("xml", None) or read(name)
        return definition_deploy(
            actor=deployer,
            key=key or Path(name).stem.replace("_", "-"),
            name=kwargs.pop("title", name),
            bpmn_xml=xml,
            **kwargs,
        )

    return _deploy


def open_tasks(instance: Any) -> list[Any]:
    from yunying.workflow.models import OPEN_STATUSES

    return list(instance.tasks.filter(status__in=OPEN_STATUSES).order_by("pk"))


def task_for(instance: Any, username: str) -> Any:
    [task] = [
        t
        for t in open_tasks(instance)
        if (t.assignee and t.assignee.username == username)
        or t.candidate_users.filter(username=username).exists()
    ]
    return task


def single_xml(assignee: str, extra: str = "") -> bytes:
    return (
        read("single.bpmn")
        .decode()
        .replace('yunying:assignee="ASSIGNEE"', f'yunying:assignee="{assignee}"{extra}')
        .encode()
    )


@pytest.fixture
def ops(chain: Any) -> Any:
    from yunying.org.factories import person_with_login
    from yunying.org.models import OrgUnit

    return person_with_login("ops", "OPS-MGR", OrgUnit.objects.get(code="CTR"))
