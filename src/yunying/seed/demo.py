"""The demo chain 示例餐饮连锁: deterministic (same seed → same data), never loaded outside `yunying demo`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from yunying.accounts.models import User
from yunying.org.models import Appointment, Employee, OrgUnit, Position, UnitKind
from yunying.seed.services import seed_defaults

DEMO_PASSWORD = "yunying-demo"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁欣雪琳晨辉鹏"
)

# region code, name, area, number of stores, has assistant
REGIONS = [
    ("R01", "浦东区域", "上海浦东", 4, False),
    ("R02", "闵行区域", "上海闵行", 5, True),
    ("R03", "苏州区域", "苏州", 6, False),
]
DIRECT_STORES = [("杭州", "杭州西湖店"), ("南京", "南京新街口店")]
STORE_NAMES = {
    "上海浦东": ["陆家嘴店", "世纪公园店", "张江店", "金桥店"],
    "上海闵行": ["莘庄店", "七宝店", "虹桥店", "颛桥店", "梅陇店"],
    "苏州": ["观前街店", "金鸡湖店", "石路店", "园区湖东店", "木渎店", "相城店"],
}
# position code → how many people a standard store has in it
STORE_STAFFING = [
    ("STORE-MGR", 1),
    ("FOH-LEAD", 1),
    ("KITCHEN-LEAD", 1),
    ("EXPEDITOR", 2),
    ("CASHIER", 1),
    ("WAITER", 3),
    ("DELIVERY", 1),
]
# (store number, position code): seats left vacant in the demo
VACANCIES = {(7, "KITCHEN-LEAD"), (12, "DELIVERY"), (16, "CASHIER")}


@dataclass
class DemoSummary:
    created: bool
    stores: int = 0
    employees: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)


class _People:
    def __init__(self, rng: random.Random, hash_: str):
        self.rng = rng
        self.hash = hash_
        self.counter = 0
        self.used: set[str] = set()

    def name(self) -> str:
        while True:
            given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            full = self.rng.choice(SURNAMES) + given
            if full not in self.used:
                self.used.add(full)
                return full

    def hire(self, *, hired_on: date, login: str | None = None, external: bool = False) -> Employee:
        self.counter += 1
        user = None
        if login:
            user = User.objects.create(username=login, password=self.hash)
        phone = "1" + self.rng.choice("3589") + "".join(self.rng.choice("0123456789") for _ in range(9))
        return Employee.objects.create(
            employee_no=f"E{self.counter:04d}",
            name=self.name(),
            phone=phone,
            user=user,
            hired_on=hired_on,
            is_external_hire=external,
        )


def _appoint(employee: Employee, position: Position, unit: OrgUnit, on: date) -> None:
    Appointment.objects.create(employee=employee, position=position, unit=unit, started_on=on)


@transaction.atomic
def demo_load(*, seed: int = 2026, with_sales: bool = True) -> DemoSummary:
    seed_defaults()
    if OrgUnit.objects.filter(code="C01").exists():
        return DemoSummary(created=False)
    rng = random.Random(seed)
    people = _People(rng, make_password(DEMO_PASSWORD))
    pos = {p.code: p for p in Position.objects.all()}
    start = date(2019, 3, 1)

    company = OrgUnit.objects.create(kind=UnitKind.COMPANY, code="C01", name="示例餐饮连锁", area="上海")
    center = OrgUnit.objects.create(kind=UnitKind.CENTER, code="CTR", name="运营中心", parent=company)
    marketing = OrgUnit.objects.create(
        kind=UnitKind.DEPARTMENT, code="D-MKT", name="营销部", parent=center, sort_order=1
    )
    mgmt = OrgUnit.objects.create(
        kind=UnitKind.DEPARTMENT, code="D-MGMT", name="运营管理部", parent=center, sort_order=2
    )
    _appoint(people.hire(hired_on=start, login="gm"), pos["GM"], company, start)
    _appoint(people.hire(hired_on=start, login="ops"), pos["OPS-MGR"], center, start)
    _appoint(people.hire(hired_on=start), pos["MKT-HEAD"], marketing, start)
    _appoint(people.hire(hired_on=start, login="mgmt"), pos["MGMT-HEAD"], mgmt, start)
    _appoint(people.hire(hired_on=start, login="supervisor"), pos["SUPERVISOR"], mgmt, start)

    number = 0
    stores: list[tuple[int, OrgUnit]] = []
    for index, (code, name, area, count, assistant) in enumerate(REGIONS, start=1):
        region = OrgUnit.objects.create(
            kind=UnitKind.REGION, code=code, name=name, area=area, parent=mgmt, sort_order=index
        )
        manager = people.hire(hired_on=start, login=f"area{index}")
        _appoint(manager, pos["AREA-MGR"], region, start)
        if assistant:
            _appoint(people.hire(hired_on=start, login=f"asst{index}"), pos["AREA-ASST"], region, start)
        for store_name in STORE_NAMES[area][:count]:
            number += 1
            stores.append((number, _store(number, store_name, area, region, rng)))
    for area, store_name in DIRECT_STORES:
        number += 1
        stores.append((number, _store(number, store_name, area, mgmt, rng)))

    for number, store in stores:
        opened = store.opened_on or start
        for code, count in STORE_STAFFING:
            if (number, code) in VACANCIES:
                continue
            for seat in range(count):
                login = None
                if code == "STORE-MGR":
                    login = f"store{number:02d}"
                elif code == "WAITER" and seat == 0:
                    login = f"staff{number:02d}"
                hired = opened + timedelta(days=rng.randint(0, 400))
                hired = min(hired, date(2026, 10, 1))
                employee = people.hire(
                    hired_on=hired, login=login, external=code == "STORE-MGR" and number == 17
                )
                _appoint(employee, pos[code], store, hired)

    # A little history: a former store manager of S02, moved on last year.
    former = people.hire(hired_on=date(2019, 5, 1))
    Appointment.objects.create(
        employee=former,
        position=pos["STORE-MGR"],
        unit=stores[1][1],
        started_on=date(2019, 5, 1),
        ended_on=date(2021, 4, 30),
        end_reason="调任",
    )

    purchasing = OrgUnit.objects.create(
        kind=UnitKind.DEPARTMENT, code="D-PUR", name="采购部", parent=center, sort_order=3
    )
    _appoint(people.hire(hired_on=start, login="buyer"), pos["PURCHASER"], purchasing, start)

    admin = User.objects.create(username="admin", password=people.hash, is_staff=True, is_superuser=True)
    admin.first_name = "系统管理员"
    admin.save(update_fields=["first_name"])

    from yunying.core.calendar_services import calendar_demo_load
    from yunying.workflow.demo import workflow_demo_load
    from yunying.workflow.sla_demo import sla_demo_load

    calendar_demo_load()  # office hours, store opening hours, a day off, a renovation
    workflow_demo_load()  # a few running and finished requests for the inbox and the monitor
    sla_demo_load()  # two of them waiting for ten days: reminded, overdue, escalated
    from yunying.notifications.demo import notifications_demo_load

    notifications_demo_load()  # a (switched-off) group robot; the requests above filled the bells

    from yunying.inspections.demo import inspections_demo_load

    inspections_demo_load(seed=seed)  # six weeks of store visits, scores and findings
    from yunying.assets.demo import assets_demo_load

    assets_demo_load(seed=seed)  # the asset register, some assets moved or written off by requests
    from yunying.purchasing.demo import purchasing_demo_load

    purchasing_demo_load()  # approved purchase requests became orders in 采购部's queue
    from yunying.servicedesk.demo import servicedesk_demo_load

    servicedesk_demo_load(seed=seed)  # 总务维修 and six weeks of repairs, some open in the service desk
    from yunying.approvals.demo import approvals_demo_load

    approvals_demo_load()  # 配送中心 and 培训部; weeks of complaints, delivery incidents, activity funds, trainings
    from yunying.inspections.demo import quality_demo_load

    quality_demo_load()  # the last two months graded, counting those complaints and incidents

    logins = [
        ("gm", "总经理"),
        ("ops", "运营经理"),
        ("mgmt", "管理部主任"),
        ("supervisor", "督导专员"),
        ("buyer", "采购专员（采购部）"),
        ("maint", "维修专员（总务维修）"),
        ("dc", "配送调度（配送中心）"),
        ("trainer", "培训主管（培训部）"),
        ("area1", "区域经理（浦东区域）"),
        ("store01", "店长（S01）"),
        ("staff01", "服务员（S01）"),
        ("admin", "系统管理员（Django 管理后台）"),
    ]
    if with_sales:  # two years of daily sales for the analytics reports (a few seconds)
        from yunying.analytics.demo import demo_sales_load

        demo_sales_load(seed=seed)
    from yunying.storeday.demo import storeday_demo_load

    storeday_demo_load(seed=seed)  # three weeks of store days: routines, morning meetings, rosters, handovers
    from yunying.duties.demo import duties_demo_load

    duties_demo_load(seed=seed)  # ten weeks of the operations calendar (after the sales: pre-filled reports)
    return DemoSummary(created=True, stores=len(stores), employees=Employee.objects.count(), logins=logins)


def _store(number: int, name: str, area: str, parent: OrgUnit, rng: random.Random) -> OrgUnit:
    if number == 15:
        opened = date(2026, 6, 18)  # the new store: no year-on-year comparison
    else:
        opened = date(2015 + rng.randint(0, 8), rng.randint(1, 12), rng.randint(1, 28))
    return OrgUnit.objects.create(
        kind=UnitKind.STORE,
        code=f"S{number:02d}",
        name=name,
        area=area,
        parent=parent,
        opened_on=opened,
        address=f"{area}{rng.choice(['中山路', '人民路', '解放路', '南京路', '淮海路'])}{rng.randint(1, 999)}号",
        phone=f"0{rng.randint(20, 29)}-{rng.randint(10000000, 99999999)}",
        sort_order=number,
    )
