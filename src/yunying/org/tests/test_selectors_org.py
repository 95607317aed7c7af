from __future__ import annotations

import pytest

from yunying.org import selectors
from yunying.org.models import Appointment

pytestmark = pytest.mark.django_db


def test_store_seats_show_vacancies(chain):
    seats = selectors.unit_seats(chain.stores_a[0])
    names = [seat.position.name for seat in seats]
    assert names == ["店长", "前厅主管", "厨房主管", "出品员", "收银员", "服务员", "外卖员"]
    vacant = {seat.position.name for seat in seats if seat.vacant}
    assert vacant == {"前厅主管", "厨房主管", "出品员", "收银员", "外卖员"}


def test_org_chart_for_area_manager_shows_context_and_own_region(chain):
    roots = selectors.org_chart(user=chain.users["area_a"])
    assert len(roots) == 1 and roots[0].unit.code == "C01" and roots[0].context_only
    flat = []

    def walk(node):
        flat.append(node)
        for child in node.children:
            walk(child)

    walk(roots[0])
    codes = {n.unit.code for n in flat}
    assert {"RA", "A1", "A2", "A3", "A4"} <= codes
    assert "RB" not in codes and "B1" not in codes and "D1" not in codes
    store = next(n for n in flat if n.unit.code == "A1")
    assert store.vacancies == 5 and store.staff_count == 2


def test_direct_superior_follows_the_tree(chain):
    waiter = chain.users["staff_a1"].employee
    superiors = selectors.direct_superiors(waiter)
    # 服务员 → 前厅主管 (vacant in A1, none above) → nothing found at that position
    assert superiors == []
    store_manager = chain.users["store_a1"].employee
    assert [a.employee.name for a in selectors.direct_superiors(store_manager)] == ["area_a"]


def test_history_is_kept_for_appointments(chain):
    appointment = Appointment.objects.filter(unit=chain.stores_a[0]).first()
    assert appointment is not None
    assert appointment.history.first().history_type == "+"
