"""Analytics test helpers: run a file through the real import path, and a chain with sales-importing users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yunying.analytics import services
from yunying.analytics.models import SalesImport
from yunying.org.factories import person_with_login
from yunying.org.models import OrgUnit


def run_file(
    actor: Any,
    content: bytes,
    filename: str = "sales.csv",
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    save_as: str = "",
    source: Any = None,
) -> SalesImport:
    """Upload → preview → confirm → execute (what the page and the worker do), returning the import."""
    upload = services.sales_import_upload(actor=actor, filename=filename, chunks=[content], source=source)
    preview = services.sales_import_preview(sales_import=upload)
    chosen = kind or preview.kind or "product"
    services.sales_import_confirm(
        actor=actor,
        sales_import=upload,
        kind=chosen,
        mapping=mapping if mapping is not None else preview.mapping,
        save_as=save_as,
    )
    result = services.sales_import_execute(import_id=upload.pk)
    result.refresh_from_db()
    Path(result.stored_path).unlink(missing_ok=True)
    return result


@pytest.fixture
def ops(chain: Any) -> Any:
    """The operations manager (OPS-MGR at the center): sees everything, imports, sets targets."""
    user = person_with_login("ops", "OPS-MGR", OrgUnit.objects.get(code="CTR"))
    chain.users["ops"] = user
    return user
