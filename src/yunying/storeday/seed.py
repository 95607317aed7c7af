"""The shipped routines of a store's day (DOMAIN: 08:50 opening, the duty manager's patrol, closing).
Loaded by ``yunying seed``; existing rows keep administrators' edits."""

from __future__ import annotations

import datetime as dt

from yunying.storeday.models import Routine


def _items(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "label": label} for key, label in pairs]


ROUTINES = [
    (
        "opening",
        "开店准备",
        dt.time(8, 50),
        dt.time(9, 0),
        _items(
            ("locks", "保安检查门锁后开启员工通道"),
            ("clock_in", "员工打卡上班"),
            ("power", "电工开灯、开空调"),
            ("equipment", "检查设备运行正常"),
        ),
    ),
    (
        "ready",
        "岗位就绪与值班巡视",
        dt.time(9, 10),
        dt.time(9, 30),
        _items(
            ("stock", "备货到位"),
            ("display", "陈列整齐"),
            ("clean", "卫生清洁"),
            ("till", "收银台备妥（备用金、小票纸）"),
            ("security", "安保、电工检查复核"),
            ("fire", "消防器材完好、通道畅通"),
            ("queue", "门外排队有序后开门迎客"),
        ),
    ),
    (
        "patrol",
        "午间值班巡场",
        dt.time(14, 0),
        dt.time(14, 30),
        _items(
            ("floor", "前厅秩序与服务"),
            ("kitchen", "后厨卫生与出品"),
            ("fire", "消防器材、安全通道"),
            ("complaints", "顾客投诉已跟进"),
        ),
    ),
    (
        "closing",
        "闭店",
        dt.time(21, 30),
        dt.time(22, 30),
        _items(
            ("clean", "清洁卫生"),
            ("cash", "收银结账、现金入保险柜"),
            ("sales_report", "营业销售报表"),
            ("stock_log", "进销存登记"),
            ("power_off", "关闭水电气、锁好门窗"),
        ),
    ),
]


def seed_storeday() -> dict[str, int]:
    created = 0
    for order, (key, name, starts, ends, items) in enumerate(ROUTINES, start=1):
        _row, was_created = Routine.objects.get_or_create(
            store=None,
            key=key,
            defaults={
                "name": name,
                "starts_at": starts,
                "ends_at": ends,
                "items": items,
                "sort_order": order * 10,
            },
        )
        created += int(was_created)
    return {"storeday_routines": created}
