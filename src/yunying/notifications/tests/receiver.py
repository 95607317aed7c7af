"""A local HTTP receiver standing in for a robot's webhook (no internet in tests or benchmarks)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    """Answers to give, in order (then 200); e.g. [500, 500, 500]."""
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok", "code": 0})
    count: int = 0

    @property
    def ok(self) -> list[Received]:
        return [r for r in self.requests if r.query.get("_status", "200") == "200"]


@contextmanager
def receiver(path: str = "/robot/send?access_token=t0ken", *, record: bool = True) -> Iterator[Receiver]:
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with lock:
                status = state.statuses.pop(0) if state.statuses else 200
                state.count += 1
                if record:
                    parts = urlsplit(self.path)
                    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                    query["_status"] = str(status)
                    state.requests.append(Received(parts.path, query, json.loads(raw or b"{}")))
            body = json.dumps(state.answer if status == 200 else {"error": "boom"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
