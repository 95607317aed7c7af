"""Reading a browser's post of a rendered form back into the nested data `form_submission_validate` takes."""

from __future__ import annotations

import re
from typing import Any

from yunying.forms import schema as s
from yunying.forms.models import FormVersion
from yunying.forms.schema import schema_of


def form_post_parse(
    version: FormVersion, post: Any, files: Any = None, *, prefix: str = ""
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """(data, files) from request.POST / request.FILES of a form rendered with `prefix`.

    Tables come back as lists of rows in index order; file fields as the signed tokens of kept files in
    data and the new uploads in files (keyed by path without the prefix, e.g. `items[0].photo`)."""
    data: dict[str, Any] = {}
    for spec in schema_of(version):
        name = f"{prefix}{spec.key}"
        if spec.type == s.TABLE:
            pattern = re.compile(rf"^{re.escape(name)}\[(\d+)\]\.([A-Za-z_][A-Za-z0-9_]*)$")
            rows: dict[int, dict[str, Any]] = {}
            multi = {c.key for c in spec.columns if c.type == s.MULTICHOICE or c.is_file}
            for key in [*post.keys(), *(files.keys() if files else [])]:
                match = pattern.match(key)
                if not match or int(match.group(1)) > s.MAX_TABLE_ROWS:
                    continue
                column = match.group(2)
                row = rows.setdefault(int(match.group(1)), {})
                if key in post:
                    row[column] = post.getlist(key) if column in multi else post.get(key)
            data[spec.key] = [rows[i] for i in sorted(rows)]
        elif spec.type == s.MULTICHOICE or spec.is_file:
            data[spec.key] = post.getlist(name)
        elif spec.type != s.COMPUTED and name in post:
            data[spec.key] = post.get(name)
    uploads: dict[str, list[Any]] = {}
    for key in files.keys() if files else []:
        if key.startswith(prefix):
            uploads[key[len(prefix) :]] = [f for f in files.getlist(key) if f]
    return data, uploads
