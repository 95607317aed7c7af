from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Yunying: gunicorn for the web and a background worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("YUNYING_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("YUNYING_PORT", "8000")))
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("YUNYING_WEB_WORKERS", "2"))
        )
        parser.add_argument("--no-worker", action="store_true", help="run the web server only")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        # The static files under hashed names, compressed (a year's cache): collected at each start so
        # they always match the built assets.
        call_command("collectstatic", interactive=False, verbosity=0)
        env = dict(os.environ)
        env["YUNYING_DATA_DIR"] = str(settings.DATA_DIR)
        bind = f"{options['host']}:{options['port']}"
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "yunying.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["web_workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        processes = [subprocess.Popen(web, env=env)]
        if not options["no_worker"]:
            processes.append(subprocess.Popen([sys.executable, "-m", "yunying.cli", "worker"], env=env))
        self.stdout.write(f"Yunying is serving on http://{bind}/ (Ctrl+C to stop)")

        def stop(*_args: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
