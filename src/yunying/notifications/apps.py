from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "yunying.notifications"
    label = "notifications"
    verbose_name = _("通知中心")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from yunying.notifications.models import Preference
        from yunying.notifications.services import preferences_changed

        post_save.connect(
            preferences_changed, sender=Preference, dispatch_uid="notifications-preference-save"
        )
        post_delete.connect(
            preferences_changed, sender=Preference, dispatch_uid="notifications-preference-del"
        )
