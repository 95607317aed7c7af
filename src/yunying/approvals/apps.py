from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "yunying.approvals"
    label = "approvals"
    verbose_name = _("审批流程")

    def ready(self) -> None:
        from yunying.approvals import masking, workflow_actions  # noqa: F401  (registers steps and masks)
