"""The starting data copied back gives the database the loader wrote: same rows, same ids, sequences past them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from tests.snapshots import _tables, demo_chain


def _counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counted = {}
        for table in _tables(connection):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counted[table] = cursor.fetchone()[0]
    return counted


@pytest.mark.django_db(transaction=True)
def test_the_copy_is_the_loaded_chain_and_new_rows_get_new_ids(django_user_model: Any) -> None:
    from yunying.org.models import OrgUnit

    demo_chain()
    loaded = _counts()
    assert loaded["accounts_user"] > 40 and sum(loaded.values()) > 5000
    store = OrgUnit.objects.get(code="S01")
    first_user = django_user_model.objects.order_by("pk").first()
    OrgUnit.objects.filter(pk=store.pk).update(name="改过的名字")
    django_user_model.objects.create_user("someone-new", password="pass-word-1")
    demo_chain()  # on a database a test has written to, the loader runs on top of it
    assert OrgUnit.objects.filter(name="改过的名字").exists()

    call_command("flush", interactive=False, verbosity=0)  # what happens between two tests
    demo_chain()
    assert _counts() == loaded
    assert OrgUnit.objects.get(pk=store.pk).name == store.name
    assert django_user_model.objects.order_by("pk").first() == first_user
    newcomer = django_user_model.objects.create_user("someone-new", password="pass-word-1")
    assert newcomer.pk > max(django_user_model.objects.exclude(pk=newcomer.pk).values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_copy_also_serves_tests_inside_a_transaction() -> None:
    from yunying.org.models import OrgUnit

    demo_chain()
    assert OrgUnit.objects.filter(code="S17").exists()
