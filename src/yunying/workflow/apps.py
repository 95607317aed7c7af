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

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from yunying.accounts.models import User
        from yunying.core.models import CalendarOverride, CalendarYear, Setting, WorkingHours
        from yunying.org.models import Appointment, Employee, OrgUnit, Position
        from yunying.workflow import hotcache
        from yunying.workflow.models import AuthorityRule, Delegation, ProcessVersion

        # What the hot path memoises (yunying.workflow.hotcache): settings, delegations, seats, groups,
        # holders (users too), calendars, the authority matrix.
        memoised = (Setting, Delegation, Appointment, Employee, Position, OrgUnit)
        for model in (*memoised, WorkingHours, CalendarOverride, CalendarYear, AuthorityRule):
            post_save.connect(hotcache.bump, sender=model, dispatch_uid=f"hotcache-save-{model.__name__}")
            post_delete.connect(hotcache.bump, sender=model, dispatch_uid=f"hotcache-delete-{model.__name__}")
        # A deployed version never changes (memoised by id); a deleted one may leave a reused id behind.
        post_delete.connect(
            hotcache.bump, sender=ProcessVersion, dispatch_uid="hotcache-delete-ProcessVersion"
        )
        from django.apps import apps

        if apps.is_installed("yunying.forms"):  # the published form of a step (forms_bridge.form_version)
            for name in ("FormDefinition", "FormVersion"):
                form_model = apps.get_model("yyforms", name)
                post_save.connect(hotcache.bump, sender=form_model, dispatch_uid=f"hotcache-save-{name}")
                post_delete.connect(hotcache.bump, sender=form_model, dispatch_uid=f"hotcache-delete-{name}")
        m2m_changed.connect(hotcache.bump, sender=User.groups.through, dispatch_uid="hotcache-user-groups")
        m2m_changed.connect(  # who holds a permission (purchasing.services.purchasing_staff)
            hotcache.bump, sender=Position.permissions.through, dispatch_uid="hotcache-position-permissions"
        )
        post_save.connect(hotcache.bump_user, sender=User, dispatch_uid="hotcache-save-User")
        post_delete.connect(hotcache.bump, sender=User, dispatch_uid="hotcache-delete-User")
