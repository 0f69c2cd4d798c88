"""A real HTTP server on 127.0.0.1 that records webhook posts; tests script its replies."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float
    replied_at: float = 0.0

    @property
    def json(self) -> dict:
        return json.loads(self.body)


type Reply = tuple[int, bytes]


@dataclass
class WebhookServer:
    url: str = ""
    replies: dict[str, Callable[[Received], Reply]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, path: str, status: int, body: str | dict) -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
        self.replies[path] = lambda _request: (status, data)

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


def start(state: WebhookServer | None = None) -> tuple[WebhookServer, Callable[[], None]]:
    """Start the server in a thread; returns its state and a function that stops it."""
    state = state or WebhookServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length", "0"))
            request = Received(
                path=parts.path,
                query={k: v[0] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length),
                at=time.time(),
            )
            with state.lock:
                state.received.append(request)
            route = state.replies.get(parts.path)
            status, body = route(request) if route else (200, b'{"errcode":0,"code":0}')
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                request.replied_at = time.time()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return state, stop
