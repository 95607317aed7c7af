"""Robot URLs and secrets at rest: encrypted with a key derived from the site's SECRET_KEY (Fernet), decrypted
only by the worker when it sends. Pages, exports and logs see a hint at most (``https://oapi.dingtalk.com/…3f9a``).

Changing SECRET_KEY makes the stored values unreadable: the robots must then be entered again."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"yunying.notifications.robot:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def url_hint(url: str) -> str:
    """What may be shown of a webhook URL: scheme, host and the last four characters."""
    parts = urlsplit(url)
    tail = url[-4:] if len(url) > 12 else ""
    return f"{parts.scheme}://{parts.netloc}/…{tail}"[:120]
