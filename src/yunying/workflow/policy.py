"""The workflow's policy settings (rules are data): defaults here, administrators' values in
``core.Setting`` (loaded by ``yunying seed``)."""

from __future__ import annotations

from typing import Any

from yunying.core.models import Setting

DEFAULTS: dict[str, tuple[Any, str]] = {
    "workflow.empty_assignee_rule": (
        "head",
        "步骤找不到处理人时：skip 跳过 / head 转管理部负责人 / stop 停止并告警",
    ),
    "workflow.default_due_hours": (48, "步骤未设置期限时的默认处理时限（小时）"),
    "workflow.auto_dedup": (True, "同一审批人连续出现时自动通过（自动去重）"),
    "workflow.max_auto_steps": (50, "一次操作中最多自动执行的步骤数（超过即判定流程失控并停止，最少 20）"),
    "workflow.remind_interval_minutes": (10, "同一流程两次催办的最短间隔（分钟）"),
    "workflow.due_basis": (
        "elapsed",
        "步骤时限默认的计算方式：elapsed 自然时间 / working 公司工作时间 / unit 所属门店营业时间",
    ),
    "workflow.remind_before": ("PT2H", "到期前多久提醒处理人（ISO 8601 时长，如 PT2H；留空不提醒）"),
    "workflow.escalate_after": ("PT4H", "超时多久后升级（ISO 8601 时长；留空不升级）"),
    "workflow.escalate_action": (
        "notify",
        "超时升级方式：notify 通知处理人的上级 / reassign 转给上级 / none",
    ),
    # Guard rails (防误操作): each can be relaxed by an administrator; the defaults are the safe ones.
    "workflow.forbid_self_approval": (
        True,
        "发起人不能审批自己的申请（含批量同意）；流程图明确指定由发起人办理的步骤除外",
    ),
    "workflow.reject_needs_reason": (True, "驳回必须填写理由"),
    "workflow.return_needs_reason": (True, "退回必须填写理由"),
    "workflow.confirm_actions": (True, "驳回、撤回、转交和批量同意前弹出确认对话框"),
    "workflow.picker_scope": (
        "scope",
        "转交、加签可选的人员：scope 本人管辖范围内的人员及本人的上级 / all 全部在职人员",
    ),
}


def stored() -> dict[str, Any]:
    """The administrators' workflow settings (``workflow.*``), memoised per process until one changes."""
    from yunying.workflow.hotcache import memo

    return memo(
        "settings",
        lambda: dict(Setting.objects.filter(key__startswith="workflow.").values_list("key", "value")),
    )


def flag(key: str) -> bool:
    """A yes/no policy setting; text such as "false" or "0" typed by an administrator reads as no."""
    value = policy(key)
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off", "否")
    return bool(value)


def policy(key: str) -> Any:
    if key.startswith("workflow."):
        found = stored()
        if key in found and found[key] is not None:
            return found[key]
        return DEFAULTS[key][0]
    row = Setting.objects.filter(key=key).values_list("value", flat=True).first()
    if row is not None:
        return row
    return DEFAULTS[key][0]
