"""Shared fixtures for the dossier tests: sandbox dossiers and a local HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from riskdesk.dossier.sandbox import sandbox_dossier, sandbox_usccs
from riskdesk.dossier.schema import Dossier

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = date(2026, 11, 28)

type Reply = tuple[int, dict[str, str], bytes]


@pytest.fixture(scope="session")
def usccs() -> list[str]:
    return sandbox_usccs(400, seed=7)


@pytest.fixture(scope="session")
def dossiers(usccs: list[str]) -> list[Dossier]:
    return [sandbox_dossier(code, AS_OF) for code in usccs]


@dataclass
class LocalServer:
    """A real HTTP server on 127.0.0.1; tests script the replies per path."""

    url: str
    routes: dict[str, Callable[[], Reply]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    state = LocalServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            state.hits.append(self.path)
            route = state.routes.get(path)
            status, headers, body = route() if route else (404, {}, b"{}")
            try:
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
