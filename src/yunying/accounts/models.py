from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    language = models.CharField(_("界面语言"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def display_name(self) -> str:
        employee = getattr(self, "employee", None)
        if employee is not None:
            return employee.name
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A personal access token: only its SHA-256 is stored; the secret is shown once at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("访问令牌")
        verbose_name_plural = _("访问令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """One failed login; recent ones lock the (username, address) pair, the address, or the username for
    addresses it never signed in from (see accounts.services.login_lock)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")


class LoginAddress(models.Model):
    """An address a username signed in from: failures elsewhere never lock the owner out from here."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField()
    last_success_at = models.DateTimeField()

    class Meta:
        verbose_name = _("常用登录地址")
        verbose_name_plural = _("常用登录地址")
        constraints = [
            models.UniqueConstraint(fields=["username", "ip"], name="accounts_loginaddress_unique")
        ]
