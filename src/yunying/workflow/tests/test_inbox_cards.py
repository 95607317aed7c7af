"""Inbox cards follow the task rows through every action; summary fields say what a request is about;
the inbox lists, counts and searches from the cards; the API answers lean."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from yunying.workflow import cards, services
from yunying.workflow.inbox import InboxFilters, inbox_counts, inbox_page, inbox_tasks, todo_count
from yunying.workflow.models import Delegation, InboxCard, ProcessInstance, TaskStatus, WorkTask
from yunying.workflow.tests.conftest import open_tasks, single_xml, task_for

pytestmark = pytest.mark.django_db


def purchase(store: str = "A1", items: int = 2) -> dict[str, Any]:
    rows = [
        {"name": name, "qty": 2, "unit": "箱", "price": "30"} for name in ("牛肉", "保鲜膜", "纸巾")[:items]
    ]
    return {"store": store, "reason": "补货", "items": rows}


def expected(instance: ProcessInstance) -> set[tuple[str, int | None, int | None, int | None, int | None]]:
    """The cards an instance must have: one per OPEN task of a running instance (per person offered it)."""
    instance.refresh_from_db()
    if instance.status != "running":
        return set()
    found = set()
    for t in WorkTask.objects.filter(instance=instance, status=TaskStatus.OPEN):
        if t.assignee_id is not None:
            found.add((str(t.pk), t.assignee_id, None, None, None))
        elif t.candidate_position_id is not None or t.candidate_group_id is not None:
            found.add((str(t.pk), None, t.candidate_position_id, t.candidate_unit_id, t.candidate_group_id))
        else:
            found |= {(str(t.pk), u.pk, None, None, None) for u in t.candidate_users.all()}
    return found


def actual(instance: ProcessInstance) -> set[tuple[str, int | None, int | None, int | None, int | None]]:
    return set(
        InboxCard.objects.filter(kind="approval", group_ref=str(instance.pk)).values_list(
            "ref", "assignee_id", "position_id", "unit_id", "group_id"
        )
    )


def in_step(instance: ProcessInstance) -> None:
    assert actual(instance) == expected(instance)


def test_cards_follow_the_tasks_through_every_action(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("queue:position:SUPERVISOR@D-MGMT"))
    store, sup, gm = chain.users["store_a1"], chain.users["supervisor"], chain.users["gm"]
    inst = services.instance_start(actor=store, key="single", data={})
    in_step(inst)
    [card] = InboxCard.objects.filter(group_ref=str(inst.pk))
    assert card.assignee_id is None and card.extra["shared"] and card.position_id is not None
    assert todo_count(sup) == 1 and todo_count(gm) == 0
    [task] = open_tasks(inst)
    services.task_claim(actor=sup, task_id=task.pk)  # the queue's card becomes the person's
    in_step(inst)
    assert InboxCard.objects.get(group_ref=str(inst.pk)).assignee_id == sup.pk
    services.task_complete(actor=sup, task_id=task.pk, action="transfer", user="area_a")
    in_step(inst)
    assert InboxCard.objects.get(group_ref=str(inst.pk)).assignee_id == chain.users["area_a"].pk
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    in_step(inst)
    [task] = open_tasks(inst)
    services.task_complete(actor=gm, task_id=task.pk, action="return", to="requester", comment="补充")
    in_step(inst)
    [resubmit] = open_tasks(inst)
    assert InboxCard.objects.get(group_ref=str(inst.pk)).assignee_id == store.pk
    services.task_resubmit(actor=store, task_id=resubmit.pk, data={})
    in_step(inst)
    [task] = open_tasks(inst)
    services.task_reject(
        actor=task.assignee or sup, task_id=task.pk, comment="不需要"
    ) if task.assignee else None
    in_step(inst)

    other = services.instance_start(actor=store, key="single", data={})
    in_step(other)
    services.instance_withdraw(actor=store, instance_id=other.pk)
    assert actual(other) == set()


def test_signers_and_or_sign_have_their_cards(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    store, area = chain.users["store_a1"], chain.users["area_a"]
    inst = services.instance_start(actor=store, key="single", data={})
    [task] = open_tasks(inst)
    services.task_complete(actor=area, task_id=task.pk, action="add_signer", user="mgmt", mode="before")
    in_step(inst)  # the step waits for its signer: only the signer's card is open
    assert {c.assignee_id for c in InboxCard.objects.filter(group_ref=str(inst.pk))} == {
        chain.users["mgmt"].pk
    }

    deploy("single.bpmn", key="anyone", xml=single_xml("user:area_a,area_b"))
    either = services.instance_start(actor=store, key="anyone", data={})
    in_step(either)
    assert len(actual(either)) == 2  # 或签: one card for each person offered the task
    assert todo_count(area) == 1 and todo_count(chain.users["area_b"]) == 1
    assert todo_count(chain.users["mgmt"]) == 1


def test_a_delegate_gets_the_card_on_the_delegators_behalf(deploy: Any, chain: Any) -> None:
    Delegation.objects.create(
        from_user=chain.users["area_a"], to_user=chain.users["supervisor"], starts_on=date.today()
    )
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    inst = services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    [card] = InboxCard.objects.filter(group_ref=str(inst.pk))
    assert card.assignee_id == chain.users["supervisor"].pk and card.on_behalf_of == "area_a"
    rows, total = inbox_tasks(user=chain.users["supervisor"], tab="todo", filters=InboxFilters())
    assert total == 1 and rows[0].delegated and rows[0].on_behalf_of == "area_a"


def test_rebuild_writes_the_same_cards(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    instances = [
        services.instance_start(actor=chain.users["store_a1"], key="single", data={}) for _ in range(3)
    ]
    before = {i.pk: actual(i) for i in instances}
    InboxCard.objects.all().delete()
    assert cards.rebuild() == 3
    assert {i.pk: actual(i) for i in instances} == before


def test_the_shipped_processes_summarise_their_requests(chain: Any, ops: Any) -> None:
    inst = services.instance_start(actor=chain.users["store_a1"], key="purchase", data=purchase(items=3))
    [card] = InboxCard.objects.filter(group_ref=str(inst.pk))
    labels = [label for label, _value in card.summary]
    values = [value for _label, value in card.summary]
    assert labels == ["申购门店", "合计金额（元）", "物料名称"]
    assert values[1] == "¥180.00" and values[2] == "牛肉 等 3 项"
    assert values[0] == inst.unit.name
    mgmt = chain.users["mgmt"]
    page = inbox_page(user=mgmt, tab="todo", filters=InboxFilters())
    assert page.tasks[0].summary == card.summary

    repair = services.instance_start(
        actor=chain.users["store_a1"],
        key="repair",
        data={
            "store": chain.stores_a[0].code,
            "cause": "cold",
            "item": "冷库",
            "equipment": "压缩机",
            "urgency": "urgent",
            "amount": "800",
            "reason": "不制冷",
        },
    )
    [card] = InboxCard.objects.filter(group_ref=str(repair.pk))
    assert card.summary == [["门店", repair.unit.name], ["维修设备", "压缩机"], ["紧急程度", "紧急"]]


def test_search_finds_by_summary_values_and_the_notification_shows_them(chain: Any, ops: Any) -> None:
    from yunying.notifications.models import Notification

    services.instance_start(actor=chain.users["store_a1"], key="purchase", data=purchase(items=1))
    services.instance_start(
        actor=chain.users["store_a1"],
        key="purchase",
        data={**purchase(items=1), "items": [{"name": "酱油", "qty": 1, "unit": "瓶", "price": "12"}]},
    )
    mgmt = chain.users["mgmt"]
    rows, total = inbox_tasks(user=mgmt, tab="todo", filters=InboxFilters(q="酱油"))
    assert total == 1 and rows[0].summary[2] == ["物料名称", "酱油"]
    rows, total = inbox_tasks(user=mgmt, tab="todo", filters=InboxFilters(q="¥60.00"))
    assert total == 1
    note = Notification.objects.filter(recipient=mgmt, kind="assigned").order_by("pk").last()
    assert note is not None and "酱油" in note.message and "¥12.00" in note.message


def test_tab_counts_are_one_statement(deploy: Any, chain: Any, django_assert_num_queries: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    for _i in range(3):
        services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    area = chain.users["area_a"]
    area._yunying_wf_seats = []  # seats and groups are read once per request: not part of the count
    area._yunying_group_ids = []
    with django_assert_num_queries(1):
        counts = inbox_counts(area)
    assert counts == {"todo": 3, "done": 0, "started": 0, "copied": 0}
    assert inbox_counts(chain.users["store_a1"])["started"] == 3


def test_the_api_answers_lean(client: Any, deploy: Any, chain: Any) -> None:
    from yunying.workflow.tests.apiclient import Api

    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    store = Api(client, chain.users["store_a1"])
    started = store.post("/instances", {"key": "single", "data": {}})
    assert started.status_code == 201, started.content
    body = started.json()
    assert "history" not in body and "data" not in body
    assert body["status"] == "running" and [t["assignee"] for t in body["open_tasks"]] == ["area_a"]
    area = Api(client, chain.users["area_a"])
    task_id = body["open_tasks"][0]["id"]
    done = area.post(f"/tasks/{task_id}/complete", {"action": "approve"})
    assert done.status_code == 200, done.content
    answer = done.json()
    assert answer["outcome"] == "approved" and answer["status"] == "completed"
    assert [(s["step"], s["assignee"]) for s in answer["next_steps"]] == [("复核", "gm")]


def test_a_revoked_token_is_refused_at_once(client: Any, chain: Any) -> None:
    from yunying.accounts.services import token_create, token_revoke

    user = chain.users["area_a"]
    token, secret = token_create(user=user, name="cli")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/workflow/tasks", **auth).status_code == 200
    assert client.get("/api/workflow/tasks", **auth).status_code == 200  # from the cache
    token_revoke(user=user, token_id=token.pk)
    assert client.get("/api/workflow/tasks", **auth).status_code == 401


def test_inbox_page_query_count_stays_flat(deploy: Any, chain: Any, client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    client.force_login(chain.users["area_a"])
    counted = []
    for rows in (2, 15):
        while len(open_cards := InboxCard.objects.filter(assignee=chain.users["area_a"])) < rows:
            services.instance_start(actor=chain.users["store_a1"], key="single", data={})
        client.get("/workflow/inbox/")  # warm the per-process caches (navigation, permissions)
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get("/workflow/inbox/")
        assert resp.status_code == 200
        assert resp.content.decode().count('data-testid="inbox-item"') == len(open_cards)
        counted.append(len(ctx.captured_queries))
    assert counted[0] == counted[1], counted  # not one more query per row


def test_task_for_is_still_found(chain: Any, ops: Any) -> None:
    inst = services.instance_start(actor=chain.users["store_a1"], key="purchase", data=purchase())
    assert task_for(inst, "mgmt").element_id == "mgmt_review"
