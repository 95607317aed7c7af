"""Assignee rules (``position:GM``, ``region:AREA-MGR|unit:OPS-MGR`` …, see yunying.workflow.assignment) in
words for people: positions, units and people by their names, never their codes or logins."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from yunying.accounts.models import User
from yunying.org.models import OrgUnit, Position


def _position(code: str) -> str:
    position = Position.objects.filter(code=code).first()
    return position.display_name if position is not None else code


def _unit(code: str) -> str:
    unit = OrgUnit.objects.filter(code=code).first()
    return unit.name if unit is not None else code


def _people(logins: list[str]) -> str:
    users = {u.username: u for u in User.objects.filter(username__in=logins).select_related("employee")}
    return "、".join(users[n].display_name if n in users else n for n in logins)


def _one(alt: str) -> str:
    kind, _sep, arg = alt.strip().partition(":")
    if kind == "position":
        code, _at, unit_code = arg.partition("@")
        if unit_code:
            return _("%(unit)s · %(position)s") % {"unit": _unit(unit_code), "position": _position(code)}
        return _position(code)
    if kind == "store":
        return _("本店%(position)s") % {"position": _position(arg)}
    if kind == "region":
        return _("所属区域%(position)s") % {"position": _position(arg)}
    if kind == "unit":
        return _("本单位或上级的%(position)s") % {"position": _position(arg)}
    if kind == "superior":
        levels = int(arg) if arg.isdigit() else 1
        return _("直属上级") if levels <= 1 else _("上 %(n)d 级上级") % {"n": levels}
    if kind == "user":
        return _people([n.strip() for n in arg.split(",") if n.strip()])
    if kind == "requester":
        return _("发起人")
    if kind == "chosen":
        return _("表单中选定的人")
    if kind == "queue":
        what, _c, rest = arg.partition(":")
        if what == "position":
            return _("%(who)s（共享队列）") % {"who": _one(f"position:{rest}")}
        if what == "group":
            group = Group.objects.filter(name=rest).first()
            return _("%(group)s（共享队列）") % {"group": group.name if group else rest}
    if kind == "authority":
        return _("按审批权限表")
    return alt


def rule_text(rule: str) -> str:
    """The rule in words; alternatives read "A，没有则 B"."""
    alternatives = [a for a in rule.split("|") if a.strip()]
    if not alternatives:
        return "—"
    return _("，没有则 ").join(_one(a) for a in alternatives)
