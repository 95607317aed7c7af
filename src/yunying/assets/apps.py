from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "yunying.assets"
    label = "assets"
    verbose_name = _("固定资产")

    def ready(self) -> None:
        from yunying.assets import workflow_actions  # noqa: F401  (registers the asset processes' steps)
