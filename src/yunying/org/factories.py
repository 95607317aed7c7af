"""Factories for the organisation: build just the tree a test needs."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from yunying.accounts.models import User
from yunying.org.models import Appointment, Employee, OrgUnit, Position, UnitKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-1")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    kind = UnitKind.DEPARTMENT
    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"单位{n}")


class StoreFactory(UnitFactory):
    kind = UnitKind.STORE
    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"门店{n}")
    area = "上海"
    opened_on = date(2020, 1, 1)


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    employee_no = factory.Sequence(lambda n: f"F{n:05d}")
    name = factory.Sequence(lambda n: f"员工{n}")


def appoint(employee: Employee, position_code: str, unit: OrgUnit, **kwargs: Any) -> Appointment:
    return Appointment.objects.create(
        employee=employee,
        position=Position.objects.get(code=position_code),
        unit=unit,
        started_on=kwargs.pop("started_on", date(2020, 1, 1)),
        **kwargs,
    )


def person_with_login(username: str, position_code: str, unit: OrgUnit) -> User:
    user: User = UserFactory(username=username)  # type: ignore[assignment]
    employee: Employee = EmployeeFactory(user=user, name=username)  # type: ignore[assignment]
    appoint(employee, position_code, unit)
    return user
