"""Role × resource: pages and API answer 200 inside the caller's scope and 404 outside it."""

from __future__ import annotations

import pytest
from django.test import Client

from yunying.workflow.tests.conftest import deploy, deployer  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

# role → the stores (by code) it may see among A1 (region A), B1 (region B) and D1 (direct)
VISIBLE = {
    "gm": {"A1", "B1", "D1"},
    "mgmt": {"A1", "B1", "D1"},
    "supervisor": {"A1", "B1", "D1"},
    "area_a": {"A1"},
    "area_b": {"B1"},
    "store_a1": {"A1"},
    "staff_a1": {"A1"},
    "nobody": set(),
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_store_pages_and_api_follow_scope(chain, role):
    client = _client(chain.users[role])
    for code in ("A1", "B1", "D1"):
        expected = 200 if code in VISIBLE[role] else 404
        assert client.get(f"/org/stores/{code}/").status_code == expected, (role, code, "page")
        assert client.get(f"/api/org/stores/{code}").status_code == expected, (role, code, "api")
    listed = {row["code"] for row in client.get("/api/org/stores").json()}
    assert listed & {"A1", "B1", "D1"} == VISIBLE[role]


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_people_follow_scope(chain, role):
    client = _client(chain.users[role])
    # The store manager of A1 is visible exactly to those who see A1.
    employee_no = chain.users["store_a1"].employee.employee_no
    expected = 200 if "A1" in VISIBLE[role] else 404
    assert client.get(f"/org/people/{employee_no}/").status_code == expected
    assert client.get(f"/api/org/people/{employee_no}").status_code == expected
    listed = {row["employee_no"] for row in client.get("/api/org/people").json()}
    assert (employee_no in listed) == (expected == 200)


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_units_follow_scope(chain, role):
    client = _client(chain.users[role])
    region_b_visible = "B1" in VISIBLE[role]
    assert client.get("/api/org/units/RB").status_code == (200 if region_b_visible else 404)
    units = {row["code"] for row in client.get("/api/org/units").json()}
    assert ("RB" in units) == region_b_visible


def test_anonymous_gets_login_or_401(chain):
    client = Client()
    assert client.get("/org/stores/A1/").status_code == 302
    assert client.get("/api/org/stores").status_code == 401


def test_store_list_query_count_is_bounded(chain, django_assert_max_num_queries):
    client = _client(chain.users["mgmt"])
    with django_assert_max_num_queries(12):
        client.get("/api/org/stores")


def test_out_of_scope_page_is_a_friendly_404(chain):
    client = _client(chain.users["area_a"])
    response = client.get("/org/stores/B1/")
    assert response.status_code == 404
    assert "不在您的查看范围内" in response.content.decode()


def test_ending_an_appointment_outside_scope_is_refused(chain):
    from yunying.org.models import Appointment

    appointment = Appointment.objects.get(employee__user=chain.users["area_b"])
    client = _client(chain.users["area_a"])
    response = client.post("/org/stores/A1/", {"action": "end", "appointment": appointment.pk}, follow=True)
    assert "找不到该任职" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.ended_on is None


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_authority_simulator_follows_scope_for_its_unit(chain, role, deploy):  # noqa: F811
    from yunying.workflow.tests.conftest import single_xml

    deploy("single.bpmn", key="single", xml=single_xml("region:AREA-MGR"))
    client = _client(chain.users[role])
    area_b_name = chain.users["area_b"].employee.name
    # a unit is visible with its stores here (region B's only viewers are those who see B1)
    for unit, store in (("A1", "A1"), ("B1", "B1"), ("RB", "B1")):
        response = client.get("/workflow/authority/", {"process": "single", "unit": unit})
        expected = 200 if store in VISIBLE[role] else 404
        assert response.status_code == expected, (role, unit)
        if expected == 404 and role != "area_b":  # (their own name is in the page's menu)
            assert area_b_name not in response.content.decode()
        elif expected == 200 and unit != "A1":
            assert area_b_name in response.content.decode()  # region B's manager would approve


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_a_chosen_person_is_named_only_within_scope(chain, role, deploy):  # noqa: F811
    """A login typed into a `chosen:` field is named by the simulator and the approver preview only to
    those who may see that person; to everyone else it is "选择的人员"."""
    from yunying.workflow.tests.conftest import single_xml

    deploy("single.bpmn", key="picked", xml=single_xml("chosen:approver"))
    outside = chain.users["area_b"]  # region B's manager: seen by those who see B1
    outside.employee.name = "闵行区域经理"
    outside.employee.save()
    client = _client(chain.users[role])
    named = "B1" in VISIBLE[role] or role == "area_b"
    page = client.get("/workflow/authority/", {"process": "picked", "f_approver": outside.username})
    assert page.status_code == 200
    text = page.content.decode()
    if named:
        assert f"{outside.display_name}（{outside.username}）" in text and "选择的人员" not in text
    else:
        assert outside.display_name not in text  # (the login itself is the viewer's own input)
        assert "选择的人员" in text
    response = client.post(
        "/api/workflow/processes/picked/preview",
        {"data": {"approver": outside.username}},
        content_type="application/json",
    )
    assert response.status_code == 200, (role, response.content)
    [step] = [s for s in response.json()["steps"] if s["element_id"] == "step"]
    people = {(p["username"], p["name"]) for p in step["people"]}
    assert people == ({(outside.username, outside.display_name)} if named else {("", "选择的人员")}), role
