"""Bounds on what a request may make the server do: body sizes, JSON depth, spreadsheet archives.

Every number is a setting (see settings.py, `YUNYING_*` environment variables). The checks run before
anything expensive: a JSON body is measured before it is parsed, an XLSX archive's directory is read
(without inflating anything) before openpyxl opens it.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError


class TooLarge(DomainError):
    """The request or file is over a configured limit (shown as 413 by the edge, 422 by the API)."""

    code = "too_large"


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


# --------------------------------------------------------------------------- JSON
def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when `value` nests lists/objects deeper than `limit` (iterative: no recursion to blow)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def json_loads_limited(body: bytes | str, *, max_bytes: int | None = None) -> Any:
    """Parse a JSON request body within the nesting limit (and `max_bytes`, when given) or raise."""
    if max_bytes is not None and len(body) > max_bytes:
        raise TooLarge(_("请求数据过大（上限 %(n)s MB）。") % {"n": megabytes(max_bytes)})
    try:
        value = json.loads(body)
    except RecursionError:
        value = None
        deep = True
    except ValueError:
        raise DomainError(_("请求数据不是有效的 JSON。"), code="bad_json")
    else:
        deep = json_depth_exceeds(value, settings.YUNYING_MAX_JSON_DEPTH)
    if deep:
        raise DomainError(
            _("请求数据嵌套过深（上限 %(n)d 层）。") % {"n": settings.YUNYING_MAX_JSON_DEPTH},
            code="too_deep",
        )
    return value


def plain_data_check(data: Any) -> None:
    """Free-form data (a process without a start form): at most YUNYING_FORMLESS_DATA_MAX_BYTES of JSON,
    nested at most YUNYING_MAX_JSON_DEPTH levels; ValidationFailed otherwise."""
    from yunying.core.errors import ValidationFailed

    limit = settings.YUNYING_FORMLESS_DATA_MAX_BYTES
    message = None
    if json_depth_exceeds(data, settings.YUNYING_MAX_JSON_DEPTH):
        message = _("数据嵌套过深（上限 %(n)d 层）。") % {"n": settings.YUNYING_MAX_JSON_DEPTH}
    elif len(json.dumps(data, ensure_ascii=False, default=str).encode()) > limit:
        message = _("数据过大（上限 %(n)d KB）。") % {"n": limit // 1024}
    if message:
        raise ValidationFailed(_("表单填写有误。"), errors=[{"field": "data", "message": message}])


# --------------------------------------------------------------------------- XLSX archives
def check_xlsx_archive(source: bytes | Path | IO[bytes]) -> None:
    """Refuse an XLSX whose members inflate beyond the configured size or compression ratio.

    Reads only the zip directory; a 200 KB file claiming gigabytes is refused before openpyxl sees it."""
    handle: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DomainError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式。"))
    finally:
        if not isinstance(source, (bytes, Path)):
            handle.seek(0)
    max_total = settings.YUNYING_XLSX_MAX_UNCOMPRESSED_BYTES
    max_ratio = settings.YUNYING_XLSX_MAX_RATIO
    too_big = _("Excel 文件解压后过大（上限 %(n)s MB），请拆分后再导入。") % {"n": megabytes(max_total)}
    if len(members) > settings.YUNYING_XLSX_MAX_MEMBERS:
        raise TooLarge(too_big)
    total = 0
    for member in members:
        total += member.file_size
        if total > max_total:
            raise TooLarge(too_big)
        # Small members may compress very well (empty styles); only large ones are judged by ratio.
        if member.file_size > 1024 * 1024 and member.file_size > max_ratio * max(member.compress_size, 1):
            raise TooLarge(_("Excel 文件的压缩比异常（疑似压缩炸弹），已拒绝。"))


# --------------------------------------------------------------------------- stored files
def upload_file_check(name: str, size: int | None) -> None:
    """One uploaded file within `YUNYING_UPLOAD_MAX_FILE_MB`."""
    limit = settings.YUNYING_UPLOAD_MAX_FILE_BYTES
    if size is not None and size > limit:
        raise TooLarge(_("文件“%(name)s”超过 %(n)s MB。") % {"name": name, "n": megabytes(limit)})


def upload_quota_check(*, user: Any, incoming: int) -> None:
    """The files `user` has stored (form files and process attachments) plus `incoming` bytes stay
    within `YUNYING_UPLOAD_USER_QUOTA_MB`; TooLarge otherwise."""
    if incoming <= 0 or user is None or not user.is_authenticated:
        return
    from django.apps import apps
    from django.db.models import Sum

    used = 0
    for model, owner in (("yyforms.StoredFile", "owner"), ("workflow.Attachment", "uploaded_by")):
        rows = apps.get_model(model).objects.filter(**{owner: user})
        used += rows.aggregate(total=Sum("size"))["total"] or 0
    quota = settings.YUNYING_UPLOAD_USER_QUOTA_BYTES
    if used + incoming > quota:
        raise TooLarge(
            _("您上传的文件总量将超过上限 %(n)s MB（已用 %(used)s MB），请删除旧文件或联系管理员。")
            % {"n": megabytes(quota), "used": f"{used / (1024 * 1024):.1f}"}
        )
