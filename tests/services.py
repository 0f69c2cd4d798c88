"""Availability checks for outside servers and system packages used by some tests.

A test that needs one skips with a clear reason where it is missing, except when
``RISKDESK_REQUIRE_SERVICES=1`` (set by ``.ci/run``): then a missing service is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("RISKDESK_REQUIRE_SERVICES") == "1"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def _port_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 0.5
        ):
            return True
    except OSError:
        return False


def postgres_url() -> str | None:
    """The PostgreSQL server tests may use, or None when none answers."""
    url = os.environ.get("RISKDESK_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    return url if _port_open(url, 5432) else None


def redis_url() -> str | None:
    url = os.environ.get("RISKDESK_TEST_REDIS_URL") or DEFAULT_REDIS_URL
    return url if _port_open(url, 6379) else None


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def need(available: object, what: str) -> None:
    """Skip (or fail under RISKDESK_REQUIRE_SERVICES=1) when ``available`` is falsy."""
    if available:
        return
    message = f"{what} is not available on this machine"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}, but RISKDESK_REQUIRE_SERVICES=1 requires it")
    pytest.skip(message)
