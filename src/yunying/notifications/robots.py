"""Group robots of DingTalk, WeCom (企业微信) and Feishu (飞书): their documented webhook messages and
signatures, the post itself, and what counts as success.

- DingTalk custom robot: ``POST <webhook>&timestamp=<ms>&sign=<sign>``, sign =
  urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))); body ``{"msgtype": "markdown"}``;
  answer ``{"errcode": 0}``. 20 messages a minute per robot.
- WeCom group robot: ``POST <webhook>`` (``…/webhook/send?key=…``), body ``{"msgtype": "markdown"}``, no
  signature; answer ``{"errcode": 0}``. 20 messages a minute per robot.
- Feishu custom bot: ``POST <webhook>``, body ``{"timestamp": "<s>", "sign": <sign>, "msg_type": "interactive"}``
  with sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")); answer ``{"code": 0}``.
  100 messages a minute (5 a second) per bot.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError
from yunying.notifications.models import Platform

DEFAULT_RATE = {Platform.DINGTALK: 20, Platform.WECOM: 20, Platform.FEISHU: 100}
TIMEOUT_SECONDS = 10
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # local receivers: no proxy


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    """Markdown."""
    url: str = ""


class SendFailed(Exception):
    """The robot's platform did not accept the message (network error, 4xx/5xx, or an error code)."""


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature as it goes in the query string (base64, then URL-encoded)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: the key is ``timestamp + "\\n" + secret``, the message is empty."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _markdown(message: Message, link_text: str) -> str:
    text = f"### {message.title}\n\n{message.text}"
    if message.url:
        text += f"\n\n[{link_text}]({message.url})"
    return text


def build_request(
    platform: str, url: str, secret: str, message: Message, *, now_ms: int
) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body, for a platform, at a moment (milliseconds since the epoch)."""
    link_text = _("查看详情")
    if platform == Platform.DINGTALK:
        if secret:
            joiner = "&" if "?" in url else "?"
            url = f"{url}{joiner}timestamp={now_ms}&sign={dingtalk_sign(secret, now_ms)}"
        body: dict[str, Any] = {
            "msgtype": "markdown",
            "markdown": {"title": message.title[:64], "text": _markdown(message, link_text)[:18000]},
        }
        return url, body
    if platform == Platform.WECOM:
        content = _markdown(message, link_text)
        return url, {
            "msgtype": "markdown",
            "markdown": {"content": content.encode()[:4000].decode(errors="ignore")},
        }
    if platform == Platform.FEISHU:
        elements: list[dict[str, Any]] = [{"tag": "markdown", "content": message.text[:8000]}]
        if message.url:
            text = {"tag": "plain_text", "content": link_text}
            button = {"tag": "button", "type": "primary", "url": message.url, "text": text}
            elements.append({"tag": "action", "actions": [button]})
        body = {
            "msg_type": "interactive",
            "card": {
                "config": {"wide_screen_mode": True},
                "header": {"title": {"tag": "plain_text", "content": message.title[:100]}},
                "elements": elements,
            },
        }
        if secret:
            seconds = now_ms // 1000
            body = {"timestamp": str(seconds), "sign": feishu_sign(secret, seconds), **body}
        return url, body
    raise DomainError(_("不支持的机器人平台：%(p)s") % {"p": platform}, field="platform")


def _accepted(platform: str, answer: dict[str, Any]) -> tuple[bool, str]:
    if platform == Platform.FEISHU:
        code = answer.get("code", answer.get("StatusCode", 0))
        return code in (0, None), f"{code} {answer.get('msg', answer.get('StatusMessage', ''))}"
    code = answer.get("errcode", 0)
    return code == 0, f"{code} {answer.get('errmsg', '')}"


def post(platform: str, url: str, secret: str, message: Message, *, now_ms: int) -> None:
    """Send one message; raises :class:`SendFailed` with a reason that never contains the URL or secret."""
    target, body = build_request(platform, url, secret, message, now_ms=now_ms)
    request = urllib.request.Request(
        target,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    host = urlsplit(target).hostname or ""
    try:
        open_ = _LOOPBACK.open if _loopback(host) else urllib.request.urlopen
        with open_(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendFailed(type(reason).__name__ if not isinstance(reason, str) else reason[:100]) from None
    try:
        answer = json.loads(raw.decode() or "{}")
    except ValueError:
        answer = {}
    ok, detail = _accepted(platform, answer if isinstance(answer, dict) else {})
    if not ok:
        raise SendFailed(detail[:200])


def url_check(url: str) -> str:
    """A webhook URL must be https; plain http only to the loopback in debug mode or when
    ``YUNYING_ROBOT_ALLOW_HTTP_LOOPBACK`` is set (local receivers in tests and the demo)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname) and _http_allowed():
        return url
    raise DomainError(_("机器人地址必须以 https:// 开头。"), field="url")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _http_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "YUNYING_ROBOT_ALLOW_HTTP_LOOPBACK", False))
