from __future__ import annotations

import os

from huey.contrib.djhuey import db_task

from yunying.core.models import TaskProbe


@db_task()
def worker_probe(token: str) -> int:
    """Write a row from the worker process; proves the queue and the worker's database work."""
    TaskProbe.objects.get_or_create(token=token, defaults={"worker_pid": os.getpid()})
    return os.getpid()
