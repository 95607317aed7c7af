"""What the home page and every page's layout show a user, by their scope and positions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from yunying.org import selectors as org_selectors
from yunying.org.models import Appointment, Employee, Position, UnitKind
from yunying.org.scope import scope_for, stores_visible_to, units_visible_to
from yunying.workflow.inbox import todo_cards


def badge_counts(user: Any) -> dict[str, int]:
    """The layout's badges — to-dos (流程信箱), duties waiting (我的职责), unread notifications (the bell) —
    in one statement, once per request (kept on the user object)."""
    cached = getattr(user, "_yunying_badges", None)
    if cached is None:
        from yunying.core.counts import count_each
        from yunying.duties.cards import KIND as DUTY
        from yunying.notifications.models import Notification

        cards = todo_cards(user)
        cached = count_each(
            {
                "todo": cards,
                "duties": cards.filter(kind=DUTY, assignee_id=user.pk),
                "unread": Notification.objects.filter(recipient=user, read_at__isnull=True),
            }
        )
        user._yunying_badges = cached
        user._yunying_todo_count = cached["todo"]  # yunying.workflow.inbox.todo_count
    return cached


def home_for(*, user: Any) -> dict[str, Any]:
    scope = scope_for(user)
    appointments = list(
        Appointment.objects.active().filter(employee__user=user).select_related("position", "unit")
    )
    stores = list(stores_visible_to(user).select_related("parent").order_by("code"))
    standard = Position.objects.filter(is_store_standard=True).count()
    filled = Counter(
        unit_id
        for unit_id, _position in set(
            Appointment.objects.active()
            .filter(unit__in=[s.pk for s in stores], position__is_store_standard=True)
            .values_list("unit_id", "position_id")
        )
    )
    vacancies_by_store = {s.pk: standard - filled[s.pk] for s in stores}
    regions = list(units_visible_to(user).filter(kind=UnitKind.REGION).order_by("sort_order", "code"))
    my_store = None
    seats = []
    if len(stores) == 1:
        my_store = stores[0]
        seats = org_selectors.unit_seats(my_store)
    employees = org_selectors.employee_list(user=user).count() if (scope.everything or scope.unit_ids) else 0
    return {
        "todo_count": badge_counts(user)["todo"],
        "appointments": appointments,
        "everything": scope.everything,
        "stores": stores,
        "regions": regions,
        "store_count": len(stores),
        "region_count": len(regions),
        "employee_count": employees if scope.everything or stores else Employee.objects.none().count(),
        "vacancy_count": sum(vacancies_by_store.values()),
        "vacancies_by_store": vacancies_by_store,
        "stores_with_vacancies": [s for s in stores if vacancies_by_store[s.pk] > 0],
        "my_store": my_store,
        "seats": seats,
    }
