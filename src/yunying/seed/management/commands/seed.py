from typing import Any

from django.core.management.base import BaseCommand

from yunying.seed.services import seed_defaults


class Command(BaseCommand):
    help = "Load the shipped defaults (positions, policy settings). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_defaults()
        self.stdout.write(
            f"seed: {created['settings']} settings and {created['positions']} positions created"
        )
