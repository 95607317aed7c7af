from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    """Store inspections (督导巡店): checklist templates, visits, scores and findings to rectify."""

    name = "yunying.inspections"
    label = "inspections"
    verbose_name = _("督导巡店")
