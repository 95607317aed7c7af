"""The completion board (完成情况): per person, position, store or region, how many occurrences fell due in a
month (or a week), how many were submitted on time, late, or are missing — with drill-down to the list.

An occurrence counts by its *first* submission against its due moment (a returned and resubmitted one stays
on time if it first came in on time); *missing*: not submitted and past its due moment; *pending*: not yet
due. A seat nobody holds is a line of its own ("空缺"), so a duty for a position nobody holds is reported,
not skipped. Read with one grouped query over the period."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import DomainError
from yunying.duties.models import Occurrence, Status
from yunying.duties.selectors import occurrences_visible_to
from yunying.org.models import Employee as EmployeeModel
from yunying.org.models import OrgUnit, Position, UnitKind
from yunying.org.selectors import unit_get

GROUPS = ("person", "position", "store", "region")
CLASSES = ("on_time", "late", "missing", "pending")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class BoardLine:
    key: str
    label: str
    detail: str = ""
    vacant: bool = False
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    def add(self, other: Mapping[str, Any]) -> None:
        for name in ("due", "on_time", "late", "missing", "pending"):
            setattr(self, name, getattr(self, name) + other[name])

    @property
    def done(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_pct(self) -> int | None:
        closed = self.due - self.pending
        return round(self.on_time * 100 / closed) if closed else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "detail": self.detail,
            "vacant": self.vacant,
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "missing": self.missing,
            "pending": self.pending,
        }


@dataclass
class Board:
    start: dt.date
    end: dt.date
    group: str
    unit: OrgUnit | None
    lines: list[BoardLine] = field(default_factory=list)
    total: BoardLine = field(default_factory=lambda: BoardLine("", ""))


def parse_month(raw: str | None) -> dt.date:
    if not raw:
        today = clock.today()
        return today.replace(day=1)
    match = MONTH.match(raw.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise DomainError(_("月份格式应为 YYYY-MM，例如 2026-11。"), field="month")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def period_bounds(*, month: str | None = None, week: str | None = None) -> tuple[dt.date, dt.date]:
    if week:
        try:
            day = dt.date.fromisoformat(week.strip())
        except ValueError:
            raise DomainError(_("周的格式应为 YYYY-MM-DD（该周任意一天）。"), field="week") from None
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    first = parse_month(month)
    return first, first.replace(day=pycalendar.monthrange(first.year, first.month)[1])


def _base(user: Any, start: dt.date, end: dt.date, unit: OrgUnit | None) -> QuerySet[Occurrence]:
    qs = (
        occurrences_visible_to(user)
        .filter(due_on__gte=start, due_on__lte=end)
        .exclude(status=Status.CANCELLED)
    )
    if unit is not None:
        from yunying.org.scope import UnitTree

        ids = list(UnitTree.load().descendants(unit.pk))
        qs = qs.filter(Q(unit_id__in=ids) | Q(assignee_unit_id__in=ids))
    return qs


def _class_q(name: str, now: dt.datetime) -> Q:
    if name == "on_time":
        return Q(first_submitted_at__lte=F("due_at"))
    if name == "late":
        return Q(first_submitted_at__gt=F("due_at"))
    if name == "missing":
        return Q(first_submitted_at__isnull=True, due_at__lt=now)
    return Q(first_submitted_at__isnull=True, due_at__gte=now)


@dataclass(frozen=True)
class _Names:
    units: Mapping[int, tuple[str, str, int | None, str]]  # pk → (code, name, parent, kind)
    positions: dict[int, str]

    @classmethod
    def load(cls) -> _Names:
        units = {
            pk: (code, name, parent, kind)
            for pk, code, name, parent, kind in OrgUnit.objects.values_list(
                "pk", "code", "name", "parent_id", "kind"
            )
        }
        return cls(units, {p.pk: p.display_name for p in Position.objects.all()})

    def region(self, unit_id: int | None) -> int | None:
        seen: set[int] = set()
        while unit_id is not None and unit_id not in seen:
            seen.add(unit_id)
            if self.units[unit_id][3] == UnitKind.REGION:
                return unit_id
            unit_id = self.units[unit_id][2]
        return None


def _key(group: str, row: Mapping[str, Any], names: _Names) -> tuple[str, str, str, bool]:
    """(key, label, detail, vacant) of a grouped row."""
    unit_id, assignee = row["unit_id"], row["assignee_id"]
    position = row["assignee_position_id"] or row["position_id"]
    unit_name = names.units[unit_id][1] if unit_id in names.units else _("（无单位）")
    position_name = names.positions.get(position, "") if position else ""
    if group == "person":
        if assignee is None:
            return (
                f"vacant-{unit_id or 0}-{position or 0}",
                _("（空缺）"),
                f"{position_name} · {unit_name}",
                True,
            )
        return str(assignee), "", "", False
    if group == "position":
        return str(position or 0), position_name or _("（无岗位）"), "", False
    if group == "store":
        code = names.units[unit_id][0] if unit_id in names.units else "-"
        return code, unit_name, code, False
    region = names.region(unit_id)
    if region is None:
        return "-", _("管理部直管及运营中心"), "", False
    return names.units[region][0], names.units[region][1], names.units[region][0], False


def board_compile(
    *,
    user: Any,
    month: str | None = None,
    week: str | None = None,
    unit: str | None = None,
    group: str = "person",
) -> Board:
    if group not in GROUPS:
        raise DomainError(_("分组只能是 %(choices)s。") % {"choices": ", ".join(GROUPS)}, field="group")
    start, end = period_bounds(month=month, week=week)
    the_unit = unit_get(user=user, code=unit) if unit else None
    now = clock.now()
    counts = {name: Count("pk", filter=_class_q(name, now)) for name in CLASSES}
    rows = (
        _base(user, start, end, the_unit)
        .values("unit_id", "position_id", "assignee_id", "assignee_position_id")
        .annotate(due=Count("pk"), **counts)
    )
    names = _Names.load()
    board = Board(start=start, end=end, group=group, unit=the_unit)
    lines: dict[str, BoardLine] = {}
    for row in rows:
        key, label, detail, vacant = _key(group, row, names)
        line = lines.setdefault(key, BoardLine(key, label, detail, vacant))
        line.add(row)
        board.total.add(row)
    if group == "person":
        people = dict(
            (pk, (name, no))
            for pk, name, no in EmployeeModel.objects.filter(
                pk__in=[int(k) for k in lines if k.isdigit()]
            ).values_list("pk", "name", "employee_no")
        )
        for key, line in lines.items():
            if key.isdigit():
                line.label, line.detail = people.get(int(key), ("?", ""))
    board.lines = sorted(lines.values(), key=lambda x: (x.vacant, -(x.missing + x.late), x.label))
    return board


def board_drill(
    *,
    user: Any,
    month: str | None = None,
    week: str | None = None,
    unit: str | None = None,
    group: str = "person",
    key: str = "",
    status: str | None = None,
    limit: int = 200,
) -> list[Occurrence]:
    """The occurrences behind one line (and one column) of the board."""
    if group not in GROUPS:
        raise DomainError(_("分组只能是 %(choices)s。") % {"choices": ", ".join(GROUPS)}, field="group")
    if status and status not in CLASSES:
        raise DomainError(_("未知的完成情况“%(value)s”。") % {"value": status[:20]}, field="status")
    start, end = period_bounds(month=month, week=week)
    the_unit = unit_get(user=user, code=unit) if unit else None
    qs = _base(user, start, end, the_unit)
    if status:
        qs = qs.filter(_class_q(status, clock.now()))
    names = _Names.load()
    rows = qs.select_related("duty", "assignee", "subject", "unit", "assignee_position", "position").order_by(
        "due_at", "pk"
    )
    found = []
    for occ in rows.iterator():
        row = {
            "unit_id": occ.unit_id,
            "position_id": occ.position_id,
            "assignee_id": occ.assignee_id,
            "assignee_position_id": occ.assignee_position_id,
        }
        if _key(group, row, names)[0] == key:
            found.append(occ)
            if len(found) >= limit:
                break
    return found
