from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoredayConfig(AppConfig):
    """A store's day (门店日常): timed routines with phone checklists, the morning meeting, the shift
    handover book and the managers' duty roster."""

    name = "yunying.storeday"
    label = "storeday"
    verbose_name = _("门店日常")
