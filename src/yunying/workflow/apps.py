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

        from django.db.models.signals import post_delete, post_save

        from yunying.core.models import Setting
        from yunying.workflow import hotcache
        from yunying.workflow.models import Delegation

        for model in (Setting, Delegation):  # what the hot path memoises (yunying.workflow.hotcache)
            post_save.connect(hotcache.bump, sender=model, dispatch_uid=f"hotcache-save-{model.__name__}")
            post_delete.connect(hotcache.bump, sender=model, dispatch_uid=f"hotcache-delete-{model.__name__}")
