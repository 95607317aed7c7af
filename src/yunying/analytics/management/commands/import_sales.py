"""`yunying import-sales FILE [--source NAME] [--user USERNAME]`: import a sales file with a progress line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yunying.analytics.models import ImportStatus
from yunying.analytics.services import sales_import_file
from yunying.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import POS sales (CSV or XLSX; store-day or product-day rows). All-or-nothing; re-imports replace."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="数据来源名称（使用其保存的列映射）")
        parser.add_argument("--user", default="", help="以该用户的权限与管辖范围导入（默认：不限）")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        actor = None
        if options["user"]:
            from yunying.accounts.models import User

            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']}")
        started = time.monotonic()
        tty = sys.stderr.isatty()

        def echo(rows: int, fraction: float) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            line = f"{fraction * 100:5.1f}%  {rows:,} rows  {rows / elapsed:,.0f} rows/s"
            sys.stderr.write(("\r" + line) if tty else (line + "\n"))
            sys.stderr.flush()

        try:
            result = sales_import_file(actor=actor, path=path, source_name=options["source"], echo=echo)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:  # one line for the operator; the import itself is marked failed
            raise CommandError(" ".join(f"{type(exc).__name__}: {exc}".split())) from None
        if tty:
            sys.stderr.write("\n")
        elapsed = time.monotonic() - started
        if result.status != ImportStatus.DONE:
            for error in result.errors[:50]:
                self.stderr.write(f"row {error['row']} [{error['column']}]: {error['message']}")
            raise CommandError(" ".join((result.message or "import failed").split()))
        self.stdout.write(
            f"{result.message} ({result.rows:,} rows in {elapsed:.1f}s, {result.rows / max(elapsed, 1e-6):,.0f} rows/s)"
        )
