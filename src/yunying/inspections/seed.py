"""The shipped checklists (Chinese wording as used in the stores): the restaurant QSC visit, the store
opening check (the 08:50–09:30 routine) and a fire-safety check. Loaded by `yunying seed` when missing;
administrators publish new versions afterwards."""

from __future__ import annotations

from typing import Any

from yunying.inspections.definition import POINTS, PPF, YES_NO
from yunying.inspections.models import ChecklistTemplate

# flags: c = critical (红线项), p = photo required, n = not applicable allowed
Row = tuple[str, str, str, int, str, str]  # key, title, scoring (+ max points), weight, flags, guidance


def _item(
    key: str, title: str, scoring: str, weight: int, flags: str = "", guidance: str = ""
) -> dict[str, Any]:
    kind, _sep, points = scoring.partition(":")
    item: dict[str, Any] = {
        "key": key,
        "title": title,
        "scoring": kind,
        "weight": weight,
        "guidance": guidance,
        "photo_required": "p" in flags,
        "na_allowed": "n" in flags,
        "critical": "c" in flags,
    }
    if kind == POINTS:
        item["max_points"] = int(points)
    return item


def _section(key: str, title: str, title_en: str, rows: list[Row]) -> dict[str, Any]:
    return {"key": key, "title": title, "title_en": title_en, "items": [_item(*row) for row in rows]}


P5 = f"{POINTS}:5"

QSC = [
    _section(
        "quality",
        "出品质量",
        "Quality",
        [
            (
                "q1",
                "抽查 3 道菜品，配方与份量符合出品标准",
                P5,
                2,
                "p",
                "按标准菜谱核对主料克重与配料，每道不符扣 1–2 分",
            ),
            (
                "q2",
                "出品温度达标：热菜不低于 60℃，冷菜不高于 8℃",
                PPF,
                2,
                "",
                "用探针温度计抽测 2 道热菜、1 道冷菜",
            ),
            ("q3", "装盘美观、盘边干净，菜品无异物", YES_NO, 1, "", ""),
            (
                "q4",
                "出餐时间符合标准（午市高峰首道菜不超过 15 分钟）",
                PPF,
                1,
                "",
                "以点菜单时间与上菜时间对比",
            ),
            (
                "q5",
                "原料新鲜，无变质、过期原料",
                YES_NO,
                3,
                "cp",
                "检查冷库、冰箱、干货库，发现过期原料即为红线",
            ),
            ("q6", "半成品标识清楚（品名、制作日期、时间、制作人）", PPF, 1, "", ""),
        ],
    ),
    _section(
        "service",
        "服务",
        "Service",
        [
            ("s1", "顾客进店 3 秒内有人问候、迎宾引座", YES_NO, 1, "", ""),
            ("s2", "点餐时主动介绍招牌菜与当期活动", PPF, 1, "", ""),
            ("s3", "上菜报菜名，菜齐后告知顾客", YES_NO, 1, "", ""),
            ("s4", "巡台及时：加水、撤空盘、更换骨碟", PPF, 1, "", "观察 15 分钟内的巡台频次"),
            ("s5", "顾客投诉按流程处理并登记", YES_NO, 1, "n", "检查期间无投诉时选“不适用”"),
            ("s6", "结账准确，唱收唱付，主动提供发票", YES_NO, 1, "", ""),
            ("s7", "外卖订单打包完整、封签，按时出餐", PPF, 1, "n", "无外卖业务的门店选“不适用”"),
        ],
    ),
    _section(
        "cleanliness",
        "清洁卫生",
        "Cleanliness",
        [
            ("c1", "门口及外围整洁，无垃圾、烟头", YES_NO, 1, "", ""),
            ("c2", "餐厅地面、桌椅、餐具干净无油污", P5, 2, "", "每发现一处明显油污扣 1 分"),
            ("c3", "卫生间清洁无异味，洗手液、纸巾齐全", PPF, 1, "p", ""),
            ("c4", "厨房地面干爽，无积水、无油垢", PPF, 2, "p", ""),
            ("c5", "冰箱、冷库分类存放，生熟分开，无积冰", PPF, 2, "", ""),
            ("c6", "垃圾分类，垃圾桶加盖并及时清理", YES_NO, 1, "", ""),
            ("c7", "无虫鼠迹象，防蝇防鼠设施完好", YES_NO, 3, "cp", "发现老鼠、蟑螂活体或新鲜鼠迹即为红线"),
        ],
    ),
    _section(
        "food_safety",
        "食品安全",
        "Food safety",
        [
            ("f1", "从业人员健康证齐全且在有效期内", YES_NO, 3, "c", "按排班表逐一核对"),
            ("f2", "食品留样 48 小时，每样不少于 125 克并登记", YES_NO, 3, "c", ""),
            ("f3", "餐具消毒记录完整，消毒柜正常使用", PPF, 2, "", ""),
            ("f4", "原料索证索票齐全，进货台账完整", PPF, 1, "", ""),
            ("f5", "刀具、砧板、抹布生熟分开，色标管理", YES_NO, 2, "", ""),
            ("f6", "食品添加剂专人专柜保管，使用有登记", YES_NO, 1, "n", "不使用添加剂的门店选“不适用”"),
            ("f7", "冷藏 0–8℃、冷冻不高于 -18℃，温度记录完整", PPF, 2, "", ""),
        ],
    ),
    _section(
        "fire",
        "消防安全",
        "Fire safety",
        [
            ("x1", "灭火器在有效期内、压力正常、定位摆放", YES_NO, 3, "cp", "压力表指针在绿区"),
            ("x2", "安全出口、疏散通道畅通，无杂物堆放", YES_NO, 3, "c", ""),
            ("x3", "应急照明、疏散指示标志完好有效", YES_NO, 1, "", "按测试按钮检查"),
            ("x4", "燃气报警器、紧急切断阀正常，管道无泄漏", YES_NO, 3, "c", ""),
            ("x5", "烟道、灶台定期清洗并有记录", PPF, 1, "", ""),
            ("x6", "电线无私拉乱接，配电箱前无杂物", YES_NO, 1, "", ""),
            ("x7", "抽问 2 名员工会用灭火器、知道疏散路线", PPF, 1, "", ""),
        ],
    ),
    _section(
        "staff",
        "仪容仪表与纪律",
        "Staff appearance and discipline",
        [
            ("p1", "员工按规定穿着工装、佩戴工牌", PPF, 1, "", ""),
            ("p2", "厨房人员戴帽子、口罩，头发不外露", YES_NO, 1, "", ""),
            ("p3", "不留长指甲、不涂指甲油、不戴首饰", YES_NO, 1, "", ""),
            ("p4", "按时打卡，无迟到早退，考勤与排班相符", YES_NO, 1, "", ""),
            ("p5", "工作时间不玩手机、不聚堆聊天", PPF, 1, "", ""),
            ("p6", "晨会按时召开并有记录", YES_NO, 1, "", ""),
            ("p7", "交接班本填写完整", PPF, 1, "", ""),
        ],
    ),
]

OPENING = [
    _section(
        "entry",
        "08:50 开门入店",
        "08:50 Staff entry",
        [
            ("o1", "保安检查门锁完好后开启员工通道", YES_NO, 2, "", ""),
            ("o2", "员工按时打卡，无代打卡", YES_NO, 2, "", "核对打卡记录与到岗人员"),
            ("o3", "电工开启照明、空调，检查设备运转正常", PPF, 2, "", ""),
        ],
    ),
    _section(
        "meeting",
        "09:00–09:10 晨会",
        "09:00–09:10 Morning meeting",
        [
            ("m1", "晨会 09:00 准时召开，点名到岗", YES_NO, 2, "", ""),
            ("m2", "检查仪容仪表（工装、工牌、发型、指甲）", PPF, 2, "", ""),
            ("m3", "通报昨日各柜组销售，表扬前五名", YES_NO, 1, "", ""),
            ("m4", "总结存在问题和改进措施，布置当日工作", PPF, 1, "", ""),
            ("m5", "短时培训：销售技巧、产品知识或陈列", YES_NO, 1, "n", ""),
            ("m6", "传达上级指示与促销活动", YES_NO, 1, "n", "当日无上级指示时选“不适用”"),
        ],
    ),
    _section(
        "ready",
        "09:10–09:30 营业准备",
        "09:10–09:30 Getting ready",
        [
            ("r1", "备货充足，原料、物料到位", PPF, 2, "", ""),
            ("r2", "陈列整齐、价签齐全", PPF, 1, "p", ""),
            ("r3", "各岗位卫生清洁完成", PPF, 2, "", ""),
            ("r4", "收银台备用金、票据、POS 机就绪", YES_NO, 1, "", ""),
            ("r5", "值班经理巡查保安、电工检查情况及陈列、收银", YES_NO, 1, "", ""),
            ("r6", "值班经理检查消防器材完好", YES_NO, 2, "c", ""),
        ],
    ),
    _section(
        "open",
        "09:30 开门迎客",
        "09:30 Doors open",
        [
            ("d1", "09:30 准时开门营业", YES_NO, 2, "", ""),
            ("d2", "门外排队有序后方开门，无拥挤", YES_NO, 1, "n", "门外无排队时选“不适用”"),
            ("d3", "员工到位迎宾，使用标准问候语", PPF, 1, "", ""),
        ],
    ),
]

FIRE = [
    _section(
        "equipment",
        "消防器材",
        "Fire equipment",
        [
            ("e1", "灭火器数量足够、在有效期内、压力正常", YES_NO, 3, "cp", ""),
            ("e2", "厨房配备灭火毯，位置便于取用", YES_NO, 2, "", ""),
            ("e3", "消火栓箱完好，水带水枪齐全，前方无遮挡", YES_NO, 2, "n", ""),
            ("e4", "自动喷淋、烟感装置无遮挡、无损坏", YES_NO, 2, "n", ""),
        ],
    ),
    _section(
        "exits",
        "疏散通道",
        "Exits",
        [
            ("v1", "安全出口畅通，营业期间不上锁", YES_NO, 3, "c", ""),
            ("v2", "疏散通道无杂物堆放", YES_NO, 3, "cp", ""),
            ("v3", "应急照明、疏散指示标志完好", YES_NO, 2, "", ""),
        ],
    ),
    _section(
        "energy",
        "用电用气",
        "Electricity and gas",
        [
            ("g1", "燃气报警器、紧急切断阀工作正常", YES_NO, 3, "c", ""),
            ("g2", "燃气管道、软管无老化、无泄漏", YES_NO, 3, "c", "用肥皂水检查接口"),
            ("g3", "电线无私拉乱接，无超负荷用电", YES_NO, 2, "", ""),
            ("g4", "烟道每季度清洗并有记录", PPF, 2, "", ""),
        ],
    ),
    _section(
        "management",
        "管理与培训",
        "Management and training",
        [
            ("t1", "每日防火巡查记录完整", PPF, 1, "", ""),
            ("t2", "员工会使用灭火器（抽问 2 人）", PPF, 1, "", ""),
            ("t3", "每半年组织一次疏散演练并有记录", YES_NO, 1, "", ""),
        ],
    ),
]

TEMPLATES: list[dict[str, Any]] = [
    {
        "key": "qsc",
        "name": "餐厅 QSC 巡店检查",
        "name_en": "Restaurant QSC visit",
        "description": "品质、服务、清洁卫生、食品安全、消防安全、仪容仪表与纪律。红线项不合格则本次检查不合格。",
        "sections": QSC,
        "critical_rule": "fail",
        "pass_mark": 80,
        "sort_order": 10,
    },
    {
        "key": "opening",
        "name": "门店开店检查",
        "name_en": "Store opening check",
        "description": "08:50–09:30 开店流程：入店、晨会、营业准备、开门迎客。红线项不合格则得分封顶 60 分。",
        "sections": OPENING,
        "critical_rule": "cap",
        "critical_cap": 60,
        "pass_mark": 85,
        "sort_order": 20,
    },
    {
        "key": "fire",
        "name": "消防安全检查",
        "name_en": "Fire-safety check",
        "description": "消防器材、疏散通道、用电用气、管理与培训。红线项不合格则本次检查不合格。",
        "sections": FIRE,
        "critical_rule": "fail",
        "pass_mark": 90,
        "sort_order": 30,
    },
]


def seed_inspections() -> dict[str, int]:
    """Publish the shipped checklists that do not exist yet; existing ones keep administrators' versions."""
    from yunying.inspections.services import template_publish

    if not ChecklistTemplate.objects.exists():
        _grant_inspection_permissions()
    created = 0
    for spec in TEMPLATES:
        if ChecklistTemplate.objects.filter(key=spec["key"]).exists():
            continue
        template_publish(**spec)
        created += 1
    return {"checklists": created, "quality_processes": _seed_demotion_process()}


def _seed_demotion_process() -> int:
    """The demotion recommendation process the monthly quality evaluation starts (started by those who
    may run the evaluation)."""
    from pathlib import Path

    from yunying.org.models import Position
    from yunying.workflow.deploy import definition_deploy
    from yunying.workflow.models import ProcessDefinition

    if ProcessDefinition.objects.filter(key="store_demotion").exists():
        return 0
    version = definition_deploy(
        actor=None,
        key="store_demotion",
        name="门店管理人员降级建议",
        category="人事",
        description="月度运营质量评估连续两个月不合格时由系统发起，运营经理审核，总经理决定。",
        bpmn_xml=(Path(__file__).parent / "processes" / "store_demotion.bpmn").read_bytes(),
    )
    definition = ProcessDefinition.objects.get(pk=version.definition_id)
    definition.starter_positions.set(Position.objects.filter(code__in=["MGMT-HEAD", "OPS-MGR", "GM"]))
    return 1


def _grant_inspection_permissions() -> None:
    """The first time inspections are seeded into an existing database, its positions get the inspection
    permissions the shipped positions carry (a fresh database gets them with the positions themselves)."""
    from django.contrib.auth.models import Permission

    from yunying.org.models import Position
    from yunying.seed.defaults import POSITIONS

    for seed in POSITIONS:
        names = [name for name in seed.permissions if name.startswith("inspections.")]
        position = Position.objects.filter(code=seed.code).first()
        if not names or position is None:
            continue
        codenames = [name.split(".")[1] for name in names]
        position.permissions.add(
            *Permission.objects.filter(content_type__app_label="inspections", codename__in=codenames)
        )
