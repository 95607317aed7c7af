"""How answers read on pages: labels for the buttons and results, and the visit page's script messages."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.inspections.definition import NA, POINTS, Item

_LABELS = {
    "yes": gettext_lazy("是"),
    "no": gettext_lazy("否"),
    "pass": gettext_lazy("合格"),
    "partial": gettext_lazy("部分合格"),
    "fail": gettext_lazy("不合格"),
}


def answer_label(item: Item, value: str) -> str:
    """The label of one answer (translated alone: a checklist page asks for hundreds)."""
    if value == NA:
        return _("不适用")
    if item.scoring == POINTS:
        return _("%(n)s 分") % {"n": value}
    label = _LABELS.get(value)
    return str(label) if label is not None else value


def js_messages() -> dict[str, str]:
    return {
        "saved": _("已同步到服务器"),
        "local": _("已保存在本机"),
        "offline": _("离线：答案保存在本机，联网后自动同步"),
        "submitting": _("正在提交…"),
        "queued": _("离线：联网后自动提交"),
        "uploading": _("正在上传照片…"),
        "uploadFailed": _("照片上传失败，请联网后重试"),
        "problems": _("还有问题需要处理："),
        "confirm": _("确认提交？提交后不能再修改。"),
        "noScore": _("尚未评分"),
        "removePhoto": _("删除照片"),
        "locating": _("正在定位…"),
        "located": _("已定位签到：距门店 %(m)s 米"),
        "locatedFar": _("已定位签到：距门店 %(m)s 米，超出范围，已记录"),
        "locatedNoStore": _("已定位签到（门店未设坐标，不比对）"),
        "noLocation": _("未能定位（不影响巡店）"),
    }
