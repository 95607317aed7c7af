"""Rebuild every sales report table from the facts: a repair tool, and the step after changing
``YUNYING_WEEK_START`` (the weeks are regrouped)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from yunying.analytics.aggregates import recompute_all


class Command(BaseCommand):
    help = "Rebuild the sales report tables from the imported facts (e.g. after changing YUNYING_WEEK_START)."

    def handle(self, *args: Any, **options: Any) -> None:
        recompute_all()
        self.stdout.write(_("销售报表数据已重建。"))
