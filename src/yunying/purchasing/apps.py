from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "yunying.purchasing"
    label = "purchasing"
    verbose_name = _("采购")

    def ready(self) -> None:
        from yunying.purchasing import workflow_actions  # noqa: F401  (registers the 生成采购单 step)
