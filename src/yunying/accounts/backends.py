"""Authentication backends: login throttling, and permissions that come from positions held."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from yunying.accounts import services


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address: REMOTE_ADDR, or with YUNYING_TRUSTED_PROXIES = N proxies in front, the
    address the outermost of them saw (the N-th entry of X-Forwarded-For from the right)."""
    if request is None:
        return None
    proxies = settings.YUNYING_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            candidate = hops[-min(proxies, len(hops))]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None


class ThrottledModelBackend(ModelBackend):
    """Username + password, refused outright while the username is locked after repeated failures."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not username:
            return None
        ip = client_ip(request)
        if services.login_is_locked(username, ip):
            raise PermissionDenied("locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.login_failed(username=username, ip=ip)
        else:
            services.login_succeeded(username=username, ip=ip)
        return user

    def get_user(self, user_id: Any) -> Any:
        """The session's user with their employee record (every page's header shows their name)."""
        model = get_user_model()
        try:
            user = model._default_manager.select_related("employee").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """Memoised across requests (yunying.workflow.hotcache) until a user, group or permission changes."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            load = ModelBackend.get_all_permissions
            user_obj._perm_cache = _memo(f"perms:{user_obj.pk}", lambda: load(self, user_obj))
        return user_obj._perm_cache  # type: ignore[no-any-return]


def _memo(name: str, load: Any) -> set[str]:
    """``load()``'s permissions, memoised per process (a copy: the caller may keep it on the user)."""
    from yunying.workflow.hotcache import memo

    return set(memo(name, lambda: frozenset(load())))


class PositionPermissionBackend(ModelBackend):
    """Grants the permissions attached to the positions a user currently holds (rules are data)."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> None:  # type: ignore[override]
        return None

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        cache = "_yunying_position_perm_cache"
        if not hasattr(user_obj, cache):
            from django.contrib.auth.models import Permission

            from yunying.org.models import Appointment

            def load() -> set[str]:
                position_ids = (
                    Appointment.objects.active().filter(employee__user=user_obj).values("position_id")
                )
                perms = Permission.objects.filter(position__in=position_ids).values_list(
                    "content_type__app_label", "codename"
                )
                return {f"{app}.{code}" for app, code in perms}

            # Across requests until an appointment, position or its permissions change (hotcache).
            setattr(user_obj, cache, _memo(f"position-perms:{user_obj.pk}", load))
        return getattr(user_obj, cache)

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        # ModelBackend caches in `_perm_cache`, shared with the other backend: keep our own.
        return self.get_group_permissions(user_obj, obj)
