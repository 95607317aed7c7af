"""Deployment defaults: Secure cookies unless debug (whatever `serve` binds), proxy header and HSTS as
settings, a Content-Security-Policy on every response, the API docs behind login."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client

KEYS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
)
# Reads settings.py once per environment in a plain Python process (no pytest: not the test settings).
_PROBE = """
import json, os, runpy, sys
out = []
for env in json.loads(sys.argv[1]):
    for k in [k for k in os.environ if k.startswith(("YUNYING_DEBUG", "YUNYING_INSECURE", "YUNYING_HSTS",
                                                      "YUNYING_PROXY"))]:
        del os.environ[k]
    os.environ.update(env)
    values = runpy.run_path(sys.argv[2])
    out.append({k: values.get(k) for k in json.loads(sys.argv[3])})
print(json.dumps(out))
"""


def _settings_for(*envs: dict[str, str]) -> list[dict[str, Any]]:
    from yunying import settings

    args = [json.dumps(list(envs)), settings.__file__, json.dumps(KEYS)]
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_production_defaults_are_secure_and_debug_is_not():
    production, debug, tuned, no_proxy = _settings_for(
        {},
        {"YUNYING_DEBUG": "1"},
        {
            "YUNYING_PROXY_SSL_HEADER": "X-Scheme",
            "YUNYING_HSTS_SECONDS": "600",
            "YUNYING_HSTS_INCLUDE_SUBDOMAINS": "1",
        },
        {"YUNYING_PROXY_SSL_HEADER": ""},
    )
    assert production["SESSION_COOKIE_SECURE"] is True and production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    assert debug["SESSION_COOKIE_SECURE"] is False and debug["SECURE_HSTS_SECONDS"] == 0
    assert tuned["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_SCHEME", "https"]
    assert tuned["SECURE_HSTS_SECONDS"] == 600 and tuned["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert no_proxy["SECURE_PROXY_SSL_HEADER"] is None


def test_serve_on_the_loopback_keeps_cookies_secure(monkeypatch):
    from yunying.core.management.commands import serve

    started: list[dict[str, str]] = []

    class Stop(Exception):
        pass

    def fake_popen(args: Any, env: dict[str, str]) -> Any:
        started.append(env)
        raise Stop

    monkeypatch.setattr(serve.subprocess, "Popen", fake_popen)
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)
    monkeypatch.delenv("YUNYING_INSECURE_COOKIES", raising=False)
    with pytest.raises(Stop):
        serve.Command().handle(host="127.0.0.1", port=8000, web_workers=1, no_worker=True)
    assert "YUNYING_INSECURE_COOKIES" not in started[0]


@pytest.mark.django_db
def test_every_response_has_the_csp_and_hsts_behind_the_proxy(chain, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    client = Client()
    page = client.get("/login/")
    assert "script-src 'self'" in page["Content-Security-Policy"]
    scripts = page["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "unsafe-inline" not in scripts
    assert "unsafe-eval" not in scripts  # Alpine's CSP build evaluates nothing with Function()
    assert "Strict-Transport-Security" not in page  # plain HTTP
    behind_proxy = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert behind_proxy["Strict-Transport-Security"] == "max-age=3600"


@pytest.mark.django_db
def test_api_docs_need_a_login(chain):
    anonymous = Client()
    for path in ("/api/docs", "/api/openapi.json"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path
    client = Client()
    client.force_login(chain.users["staff_a1"])
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Yunying API"
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"/static/ninja/swagger-ui-bundle" in docs.content
