from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "yunying.workflow"
    label = "workflow"
    verbose_name = _("流程引擎")

    def ready(self) -> None:
        from yunying.core import clock
        from yunying.workflow.engine_timers import use_clock

        use_clock(clock.now)  # BPMN timers run on the company clock
