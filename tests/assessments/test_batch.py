"""Batch re-assessment: one bad customer never fails the rest; a killed run resumes exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from riskdesk.assessments import services
from riskdesk.assessments.choices import BatchStatus, ChunkStatus
from riskdesk.assessments.models import BatchRun
from riskdesk.intel.models import DossierSnapshot
from tests.assessments.conftest import AS_OF

ROOT = Path(__file__).resolve().parents[2]


def break_dossier(customer) -> None:
    DossierSnapshot.objects.filter(customer=customer).update(content='{"uscc": 42')


def test_a_customer_whose_features_fail_is_recorded_and_the_rest_assessed(portfolio, users):
    break_dossier(portfolio[4])
    batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True, chunk_size=3)

    assert batch.status == BatchStatus.SUCCEEDED
    assert (batch.done, batch.failed, batch.total) == (6, 1, 7)
    assessed = set(batch.assessments.values_list("customer_id", flat=True))
    assert assessed == {c.pk for c in portfolio} - {portfolio[4].pk}
    [failure] = services.batch_failures(batch)
    assert failure["customer_id"] == portfolio[4].pk and failure["stage"] == "evaluate"
    assert failure["error"]
    assert set(batch.chunks.values_list("status", flat=True)) == {ChunkStatus.DONE}
    assert batch.job.status == "succeeded" and "6 assessed, 1 failed" in batch.job.message
    assert services.verify_assessments().ok


def test_several_bad_customers_in_one_chunk_are_isolated(portfolio, users):
    for bad in (portfolio[1], portfolio[2], portfolio[5]):
        break_dossier(bad)
    batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True)

    assert (batch.done, batch.failed) == (4, 3) and batch.chunks.count() == 1
    failed = [f["customer_id"] for f in services.batch_failures(batch)]
    assert failed == [portfolio[1].pk, portfolio[2].pk, portfolio[5].pk]
    assert services.batch_failures(batch, first=2) == services.batch_failures(batch)[:2]


def test_the_cli_summary_lists_the_failures(portfolio):
    break_dossier(portfolio[3])
    out = StringIO()
    call_command("assess", "--all", "--as-of", AS_OF.isoformat(), stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "6 assessed, 1 failed" in text
    assert f"客户 customer #{portfolio[3].pk} [evaluate]:" in text


def test_the_batch_page_shows_progress_and_failures(
    client, users, portfolio, django_capture_on_commit_callbacks
):
    break_dossier(portfolio[0])
    client.force_login(users["risk"])
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post("/assessments/batch/").content.decode()

    batch = BatchRun.objects.get()
    assert f'data-testid="batch-{batch.pk}"' in html and 'class="progress"' in html
    assert "hx-get" in html  # it polls until the chunks are done
    page = client.get(f"/assessments/batch/{batch.pk}/").content.decode()
    assert f'data-testid="batch-failure-{portfolio[0].pk}"' in page
    assert "6 assessed, 1 failed" in page and "hx-get" not in page


def test_the_batch_page_is_for_risk_managers(client, users, portfolio):
    batch = services.assess_portfolio(actor=users["risk"], as_of=AS_OF, inline=True)
    client.force_login(users["sales"])
    assert client.get(f"/assessments/batch/{batch.pk}/").status_code == 403


# --- a worker killed mid-batch ----------------------------------------------------------------

KILL_ON_THIRD_WRITE = textwrap.dedent(
    """
    import os, signal, django
    django.setup()
    from riskdesk.assessments import services
    from riskdesk.jobs import services as jobs

    real, calls = jobs.report_progress, []

    def report_then_die(**kwargs):
        calls.append(kwargs)
        if len(calls) == 4:  # the batch's start, two chunks, then inside the third's transaction
            os.kill(os.getpid(), signal.SIGKILL)
        return real(**kwargs)

    services.jobs.report_progress = report_then_die
    from django.core.management import call_command
    call_command("assess", "--all", "--as-of", "{as_of}", "--chunk-size", "10")
    """
)


def _riskdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_the_demo_replays_and_a_batch_killed_mid_chunk_resumes_exactly_once(tmp_path):
    env = {
        **os.environ,
        "RISKDESK_TESTING": "0",
        "RISKDESK_DEMO": "1",
        "RISKDESK_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "riskdesk.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("RISKDESK_DATABASE_URL", None)
    loaded = _riskdesk(env, "-m", "riskdesk.cli", "demo", "--customers", "45")
    assert loaded.returncode == 0, loaded.stderr
    demo = _riskdesk(env, "-m", "riskdesk.cli", "audit", "verify-assessments")
    assert "45 of 45 assessments replay identically" in demo.stdout, demo.stdout + demo.stderr

    killed = _riskdesk(env, "-c", KILL_ON_THIRD_WRITE.format(as_of="2026-06-01"))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    database = sqlite3.connect(tmp_path / "riskdesk.sqlite3")
    batch, done = database.execute(
        "SELECT id, done FROM assessments_batchrun WHERE as_of = '2026-06-01'"
    ).fetchone()
    assert done == 20  # two chunks committed, the third died with its transaction

    resumed = _riskdesk(
        env, "-m", "riskdesk.cli", "assess", "--all", "--as-of", "2026-06-01", "--chunk-size", "7"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"batch #{batch} " in resumed.stdout
    counts = database.execute(
        "SELECT COUNT(*), COUNT(DISTINCT customer_id) FROM assessments_assessment "
        "WHERE batch_run_id = ?",
        [batch],
    ).fetchone()
    customers = database.execute("SELECT COUNT(*) FROM customers_customer").fetchone()[0]
    assert counts == (customers, customers) == (45, 45)
    status = database.execute(
        "SELECT status, done FROM assessments_batchrun WHERE id = ?", [batch]
    ).fetchone()
    assert status == ("succeeded", 45)
    verified = _riskdesk(env, "-m", "riskdesk.cli", "audit", "verify-assessments")
    assert verified.returncode == 0 and "90 of 90 assessments replay identically" in verified.stdout
