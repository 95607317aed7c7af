from __future__ import annotations

from django.db import connection
from huey.contrib.djhuey import HUEY


def health_check() -> dict[str, bool]:
    """Is the database reachable, is the queue's storage reachable?"""
    status = {"database": False, "queue": False}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            status["database"] = cursor.fetchone() == (1,)
    except Exception:
        status["database"] = False
    try:
        HUEY.pending_count()
        status["queue"] = True
    except Exception:
        status["queue"] = False
    return status
