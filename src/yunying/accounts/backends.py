"""Authentication backends: login throttling, and permissions that come from positions held."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from yunying.accounts import services


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


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
        if services.login_is_locked(username):
            raise PermissionDenied("locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.login_failed(username=username, ip=_client_ip(request))
        else:
            services.login_succeeded(username=username)
        return user


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

            position_ids = Appointment.objects.active().filter(employee__user=user_obj).values("position_id")
            perms = Permission.objects.filter(position__in=position_ids).values_list(
                "content_type__app_label", "codename"
            )
            setattr(user_obj, cache, {f"{app}.{code}" for app, code in perms})
        return getattr(user_obj, cache)

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        # ModelBackend caches in `_perm_cache`, shared with the other backend: keep our own.
        return self.get_group_permissions(user_obj, obj)
