from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    """Form definitions, their versions, rendering and validation of submissions.

    The label is `yyforms` so it never clashes with `django.forms`."""

    name = "yunying.forms"
    label = "yyforms"
    verbose_name = _("表单")
