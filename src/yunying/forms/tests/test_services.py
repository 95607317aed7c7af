"""Writes: versions freeze on publish, drafts follow, the seed is idempotent and grants design rights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yunying.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from yunying.forms import services
from yunying.forms.models import FormDefinition, FormVersion
from yunying.forms.seed import seed_forms
from yunying.forms.selectors import form_version_current
from yunying.forms.tests.factories import field, version_with
from yunying.forms.validation import form_data_values, form_submission_validate

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_grants_the_designers(chain):
    assert seed_forms() == {"forms": 0}
    assert FormDefinition.objects.filter(key="material_purchase").count() == 1
    assert chain.users["mgmt"].has_perm("yyforms.design_form")
    assert not chain.users["area_a"].has_perm("yyforms.design_form")
    version = form_version_current(key="material_purchase")
    assert version.is_published and version.published_at is not None


def test_published_versions_are_frozen_and_edits_make_a_new_draft(chain):
    actor = chain.users["mgmt"]
    definition = services.form_definition_create(actor=actor, key="checklist", name="检查表")
    services.form_draft_save(actor=actor, definition=definition, fields=[field("ok", "boolean")])
    v1 = services.form_version_publish(actor=actor, definition=definition)
    assert v1.published_by == actor
    v2 = services.form_draft_save(
        actor=actor, definition=definition, fields=[field("ok", "boolean"), field("n", "text")]
    )
    assert (v1.number, v2.number, v2.is_published) == (1, 2, False)
    v1.refresh_from_db()
    assert [f["key"] for f in v1.fields] == ["ok"]
    assert form_version_current(key="checklist").number == 1
    with pytest.raises(Conflict):
        services.form_version_publish(actor=actor, definition=definition, number=1)
    services.form_version_publish(actor=actor, definition=definition, number=2)
    assert form_version_current(key="checklist").number == 2


def test_bad_definitions_and_permissions_change_nothing(chain):
    with pytest.raises(PermissionDenied):
        services.form_definition_create(actor=chain.users["store_a1"], key="x_form", name="X")
    with pytest.raises(DomainError, match="已被使用"):
        services.form_definition_create(actor=chain.users["mgmt"], key="material_purchase", name="重复")
    definition = FormDefinition.objects.get(key="material_purchase")
    with pytest.raises(ValidationFailed):
        services.form_draft_save(
            actor=chain.users["mgmt"], definition=definition, fields=[field("1x", "text")]
        )
    assert FormVersion.objects.filter(definition=definition).count() == 1


def test_stored_data_back_to_typed_values():
    version = version_with(
        field("when", "date"),
        field("cost", "money"),
        field("rows", "table", columns=[field("qty", "number"), field("price", "money")]),
    )
    cleaned = form_submission_validate(
        version=version,
        data={"when": "2025-05-01", "cost": "12.5", "rows": [{"qty": 2, "price": "1.1"}]},
        user=None,
    )
    values = form_data_values(version=version, data=cleaned.data)
    assert values == {
        "when": dt.date(2025, 5, 1),
        "cost": Decimal("12.50"),
        "rows": [{"qty": 2, "price": Decimal("1.10")}],
    }
