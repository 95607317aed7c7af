"""Person, store and position pickers accept only what the submitting user may see."""

from __future__ import annotations

import pytest

from yunying.core.errors import ValidationFailed
from yunying.forms.tests.factories import field, version_with
from yunying.forms.validation import form_submission_validate
from yunying.org.models import Employee

pytestmark = pytest.mark.django_db


def errors(version, data, user):
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data=data, user=user)
    return {e["field"]: e["message"] for e in caught.value.errors}


def test_store_picker_follows_scope(chain):
    version = version_with(field("store", "store", required=True))
    area_a = chain.users["area_a"]
    assert form_submission_validate(version=version, data={"store": "A2"}, user=area_a).data == {
        "store": "A2"
    }
    assert errors(version, {"store": "B1"}, area_a) == {
        "store": "找不到编码为“B1”的门店，或其不在您的范围内。"
    }
    assert errors(version, {"store": "A2"}, chain.users["store_a1"])["store"].startswith("找不到编码为“A2”")
    assert form_submission_validate(version=version, data={"store": "B1"}, user=chain.users["mgmt"])
    assert errors(version, {"store": "A1"}, chain.users["nobody"])


def test_person_picker_follows_scope(chain):
    version = version_with(field("who", "employee"), field("rows", "table", columns=[field("p", "employee")]))
    staff = Employee.objects.get(user=chain.users["staff_a1"]).employee_no
    other = Employee.objects.get(user=chain.users["area_b"]).employee_no
    store_manager = chain.users["store_a1"]
    cleaned = form_submission_validate(version=version, data={"who": staff}, user=store_manager)
    assert cleaned.data["who"] == staff
    assert errors(version, {"who": other, "rows": [{"p": staff}, {"p": other}]}, store_manager) == {
        "who": f"找不到工号为“{other}”的在职员工，或其不在您的范围内。",
        "rows[1].p": f"找不到工号为“{other}”的在职员工，或其不在您的范围内。",
    }
    Employee.objects.filter(employee_no=staff).update(is_active=False)
    assert "who" in errors(version, {"who": staff}, chain.users["mgmt"])


def test_position_picker(chain):
    version = version_with(field("pos", "position"))
    assert form_submission_validate(version=version, data={"pos": "STORE-MGR"}, user=chain.users["staff_a1"])
    assert errors(version, {"pos": "KING"}, chain.users["staff_a1"]) == {"pos": "找不到编码为“KING”的岗位。"}
