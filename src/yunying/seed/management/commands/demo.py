import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from yunying.seed.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Create the database, load the demo chain 示例餐饮连锁 and serve it (unless --no-serve)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="load the demo data and exit")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--port", type=int, default=int(os.environ.get("YUNYING_PORT", "8000")))

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        summary = demo_load(seed=options["seed"])
        if summary.created:
            self.stdout.write(f"demo: {summary.stores} stores, {summary.employees} employees created")
        else:
            self.stdout.write("demo: the demo chain is already loaded")
        self.stdout.write(f"demo logins (password {DEMO_PASSWORD}):")
        for username, role in summary.logins or _default_logins():
            self.stdout.write(f"  {username:<12} {role}")
        if not options["no_serve"]:
            # A local trial over plain HTTP: the browser must keep the login cookie without HTTPS.
            os.environ.setdefault("YUNYING_INSECURE_COOKIES", "1")
            call_command("serve", port=options["port"])


def _default_logins() -> list[tuple[str, str]]:
    return [
        ("gm", "总经理"),
        ("ops", "运营经理"),
        ("mgmt", "管理部主任"),
        ("supervisor", "督导专员"),
        ("area1", "区域经理"),
        ("store01", "店长"),
        ("staff01", "服务员"),
    ]
