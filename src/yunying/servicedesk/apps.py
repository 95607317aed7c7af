from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceDeskConfig(AppConfig):
    name = "yunying.servicedesk"
    label = "servicedesk"
    verbose_name = _("服务台")

    def ready(self) -> None:
        from yunying.servicedesk import workflow_actions  # noqa: F401  (registers the repair desk's steps)
