"""Progress of a running import, readable by any process while the import's transaction is still open
(the database row only changes at commit): the shared cache when Redis is configured, else a small file."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.cache import cache


def _path(import_id: int) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "sales-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{import_id}.progress.json"


def progress_set(import_id: int, *, fraction: float, rows: int) -> None:
    value = {"percent": max(0, min(100, int(fraction * 100))), "rows": rows}
    if settings.REDIS_URL:
        cache.set(f"analytics:import:{import_id}", value, timeout=24 * 3600)
        return
    path = _path(import_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)


def progress_get(import_id: int) -> dict[str, int]:
    if settings.REDIS_URL:
        return cache.get(f"analytics:import:{import_id}") or {"percent": 0, "rows": 0}
    try:
        return json.loads(_path(import_id).read_text())
    except (OSError, ValueError):
        return {"percent": 0, "rows": 0}
