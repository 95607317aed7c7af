"""Reads of the asset register, always within the reader's scope (yunying.org.scope)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yunying.assets.models import Asset, AssetEvent
from yunying.core.errors import NotFound
from yunying.org.scope import scope_for


def assets_visible_to(user: Any) -> QuerySet[Asset]:
    scope = scope_for(user)
    if scope.everything:
        return Asset.objects.all()
    return Asset.objects.filter(store_id__in=scope.unit_ids)


def asset_list(
    *,
    user: Any,
    store: str | None = None,
    state: str | None = None,
    category: str | None = None,
    q: str | None = None,
) -> QuerySet[Asset]:
    qs = assets_visible_to(user).select_related("store", "store__parent")
    if store:
        qs = qs.filter(store__code=store)
    if state:
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(location__icontains=q))
    return qs.order_by("code")


def asset_get(*, user: Any, code: str) -> Asset:
    """An asset outside the reader's scope is not found (the two are not told apart)."""
    asset = assets_visible_to(user).select_related("store", "store__parent").filter(code=code).first()
    if asset is None:
        raise NotFound(_("找不到资产 %(code)s。") % {"code": code})
    return asset


def asset_history(*, asset: Asset) -> QuerySet[AssetEvent]:
    return asset.events.select_related("actor", "from_store", "to_store").order_by("-at", "-pk")
