from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    """The operations calendar (运营日历): recurring duties, their occurrences, reviews of people, and the
    onboarding programme of hired-in managers."""

    name = "yunying.duties"
    label = "duties"
    verbose_name = _("运营日历")
