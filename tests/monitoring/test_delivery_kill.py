"""Crash test: ``manage.py monitoring digest --now`` killed (SIGKILL) at random points, rerun.

The command runs in a subprocess against a file SQLite database and posts to a local webhook
server that records every request with its idempotency key (the digest's uid). After the kill
and a complete rerun: every delivery is sent, every digest reached the server, no event is in
two digests of the same recipient, and a digest reached the server twice only when the kill
fell in the one unavoidable window (the server had answered, the sender had not yet recorded
it). ``RISKDESK_STRESS=1`` runs 50 kills instead of 3.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.monitoring import kill_seed, webhook_server

# The subprocesses always use their own SQLite file: running this again in the PostgreSQL pass
# of the suite would prove nothing new.
pytestmark = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="runs once, in the SQLite pass"
)

ROOT = Path(__file__).resolve().parents[2]
STRESS = os.environ.get("RISKDESK_STRESS") == "1"
WINDOW_SECONDS = 0.5
"""A sender alive this long after the server's reply has certainly recorded the send."""


def _env(db: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKDESK_")}
    env.update(
        DJANGO_SETTINGS_MODULE="riskdesk.settings",
        RISKDESK_TESTING="1",
        RISKDESK_TASKS_IMMEDIATE="1",
        RISKDESK_DATA_DIR=str(data_dir),
        RISKDESK_DATABASE_URL=f"sqlite:///{db}",
        RISKDESK_WEBHOOK_ALLOW_HTTP="1",
        RISKDESK_DELIVERY_LEASE_SECONDS="1",
        RISKDESK_LOG_LEVEL="WARNING",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _run(env: dict[str, str], *args: str) -> None:
    process = _manage(env, *args)
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()[-2000:]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A migrated and seeded database file, copied for every run; and the webhook server."""
    server, stop = webhook_server.start()
    base = tmp_path_factory.mktemp("kill-base")
    db = base / "base.sqlite3"
    env = _env(db, base)
    _run(env, "migrate", "-v0")
    _run(env, "shell", "-c", f"from tests.monitoring.kill_seed import seed; seed({server.url!r})")
    checkpoint = (
        "from django.db import connection as c; c.cursor().execute('PRAGMA wal_checkpoint')"
    )
    _run(env, "shell", "-c", checkpoint)
    yield db, server
    stop()


def _read(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        statuses = Counter(s for (s,) in conn.execute("SELECT status FROM monitoring_delivery"))
        uids = {
            str(uuid.UUID(u))
            for (u,) in conn.execute(
                "SELECT uid FROM monitoring_digest WHERE transport = 'webhook'"
            )
        }
        items = Counter(
            key
            for (key,) in conn.execute(
                "SELECT recipient_key || transport FROM monitoring_digestitem"
            )
        )
    return {"statuses": statuses, "uids": uids, "items": items}


def _digests_built(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM monitoring_digest").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _wait_for_kill_point(process, db: Path, server, rng: random.Random) -> None:
    """Kill while starting, right after the digests were built, or after the k-th send.

    Kill points are chosen by progress rather than by clock: start-up time varies a lot on a
    loaded machine, and a clock-chosen kill would mostly land before any work.
    """
    point = rng.choice(["start-up", "built", "sending", "sending", "sending"])
    if point == "start-up":
        time.sleep(rng.uniform(0.5, 3.0))
        return
    k = rng.randint(1, kill_seed.CHANNELS)
    reached = {
        "built": lambda: _digests_built(db) > 0,
        "sending": lambda: len(server.received) >= k,
    }[point]
    deadline = time.time() + 120
    while process.poll() is None and time.time() < deadline and not reached():
        time.sleep(0.005)
    time.sleep(rng.uniform(0, 0.06))  # somewhere in the claim/pause/send/mark cycle


def _phase(state: dict) -> str:
    """Where the kill landed: before any digest, while building, while sending, or after."""
    targets = kill_seed.CHANNELS + kill_seed.USERS
    if not state["items"]:
        return "before"
    if len(state["items"]) < targets:
        return "building"
    if set(state["statuses"]) != {"sent"}:
        return "sending"
    return "after"


def _one_crash(seeded, tmp_path: Path, rng: random.Random, run: int) -> tuple[str, int]:
    base, server = seeded
    workdir = tmp_path / f"run{run}"
    workdir.mkdir()
    db = workdir / "db.sqlite3"
    shutil.copy(base, db)
    env = _env(db, workdir)
    with server.lock:
        server.received.clear()
    slow = {**env, "RISKDESK_DELIVERY_TEST_PAUSE": "0.05"}
    process = _manage(slow, "monitoring", "digest", "--now")
    _wait_for_kill_point(process, db, server, rng)
    kill_at = time.time()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stderr.close()
    phase = _phase(_read(db))
    time.sleep(1.2)  # let a lease taken by the killed process expire
    _run(env, "monitoring", "digest", "--now")

    state = _read(db)
    assert set(state["statuses"]) == {"sent"}, state["statuses"]
    per_target = kill_seed.EVENTS
    assert set(state["items"].values()) == {per_target}
    assert len(state["items"]) == kill_seed.CHANNELS + kill_seed.USERS
    received = Counter(r.headers["idempotency-key"] for r in server.received)
    assert set(received) == state["uids"]  # nothing lost, nothing unknown
    duplicates = [key for key, count in received.items() if count > 1]
    for key in duplicates:
        copies = [r for r in server.received if r.headers["idempotency-key"] == key]
        first = min(copies, key=lambda r: r.at)
        assert first.replied_at and 0 <= kill_at - first.replied_at < WINDOW_SECONDS, key
    return phase, len(duplicates)


def _crash_runs(seeded, tmp_path, runs: int) -> None:
    rng = random.Random(int(os.environ.get("RISKDESK_STRESS_SEED", "6")))
    totals: Counter = Counter()
    for run in range(runs):
        phase, duplicates = _one_crash(seeded, tmp_path, rng, run)
        totals[phase] += 1
        totals["duplicates"] += duplicates
    sys.stderr.write(f"kill test: {runs} runs, {dict(totals)}\n")


def test_killed_digest_runs_lose_nothing_and_send_nothing_twice(seeded, tmp_path):
    _crash_runs(seeded, tmp_path, runs=3)


@pytest.mark.stress
@pytest.mark.skipif(not STRESS, reason="set RISKDESK_STRESS=1 for 50 kills")
def test_fifty_killed_digest_runs(seeded, tmp_path):
    _crash_runs(seeded, tmp_path, runs=50)
