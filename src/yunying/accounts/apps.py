from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yunying.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete

        from yunying.accounts.models import User
        from yunying.workflow import hotcache

        # A user's permissions are memoised (accounts.backends): a change to the users', groups' or
        # positions' permissions drops them (users, groups of users, positions: workflow.apps).
        for through in (User.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(hotcache.bump, sender=through, dispatch_uid=f"hotcache-{through.__name__}")
        for model in (Group, Permission):
            post_delete.connect(hotcache.bump, sender=model, dispatch_uid=f"hotcache-delete-{model.__name__}")
