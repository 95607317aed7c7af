"""The repair desk's system steps (日常维修), registered in the workflow's system-action registry:

- ``repair_check``: the equipment named in ``asset_code`` (optional) is an asset of the request's store
  and not written off; its name becomes the request's ``equipment``.
- ``repair_asset_state``: the asset (if one was named) goes to ``state`` (``repairing`` when 总务维修
  takes the job, ``in_use`` once the store confirms the fix), in the asset's history with the request."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.assets import services as asset_services
from yunying.assets.models import Asset, AssetState
from yunying.workflow.models import ProcessInstance
from yunying.workflow.system_actions import ActionFailed, Param, register


def _asset(instance: ProcessInstance, data: dict[str, Any]) -> Asset | None:
    code = str(data.get("asset_code") or "").strip()
    if not code:
        return None
    asset = Asset.objects.select_related("store").filter(code=code).first()
    if asset is None or instance.unit_id is None or asset.store_id != instance.unit_id:
        raise ActionFailed(_("本门店没有编码为“%(code)s”的资产。") % {"code": code})
    return asset


@register("repair_check", gettext_lazy("核对报修设备"))
def repair_check(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    asset = _asset(instance, data)
    if asset is None:
        return {}
    if asset.state == AssetState.WRITTEN_OFF:
        raise ActionFailed(_("资产 %(code)s 已报损，不能报修。") % {"code": asset.code})
    instance.data = {**instance.data, "equipment": asset.name}
    return {"equipment": asset.name}


@register(
    "repair_asset_state",
    gettext_lazy("报修设备状态"),
    Param("state", "text", label=gettext_lazy("状态（repairing / in_use）")),
)
def repair_asset_state(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> None:
    state = params.get("state", "")
    if state not in (AssetState.REPAIRING, AssetState.IN_USE):
        raise ActionFailed(_("未知的资产状态“%(s)s”。") % {"s": state})
    asset = _asset(instance, data)
    if asset is None or asset.state == state or asset.state == AssetState.WRITTEN_OFF:
        return
    asset_services.asset_set_state(
        actor=instance.requester,
        asset=asset,
        state=state,
        reference=f"#{instance.pk} {instance.title}"[:100],
        system=True,
    )
