import pytest

pytestmark = pytest.mark.django_db


def test_dashboard_counts_only_visible_customers(client, users, make_customer):
    make_customer(owner=users["sales"], industry="制造业")
    make_customer(owner=users["other_sales"], industry="建筑业")
    client.force_login(users["sales"])
    page = client.get("/").content.decode()
    assert 'data-testid="customer-count">1<' in page
    assert "建筑业" not in page


def test_api_docs_and_schema_are_served_locally(client, users):
    client.force_login(users["risk"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/customers/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower() and "unpkg" not in docs


def test_job_progress_partial_polls_until_done(client, users):
    from riskdesk.jobs import services

    job = services.start_job(kind="x", title="重新评估", actor=users["risk"], total=4)
    services.report_progress(job_id=job.pk, done=1)
    client.force_login(users["risk"])
    running = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "25%" in running and "hx-get" in running
    services.finish_job(job_id=job.pk)
    done = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "100%" in done and "hx-get" not in done
    client.force_login(users["sales"])
    assert client.get(f"/jobs/{job.pk}/progress/").status_code == 404


def test_chinese_is_the_default_whatever_the_browser_says(client, users):
    client.force_login(users["risk"])
    page = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "导出 Excel" in page and 'lang="zh-hans"' in page


def _quoted(line: str) -> str:
    return line if line.startswith('"') else line.split(" ", 1)[1]


def _po_entries(text: str) -> dict[str, str]:
    import json

    entries = {}
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if not lines or not lines[0].startswith("msgid ") or "msgid_plural" in block:
            continue
        split = next(k for k, line in enumerate(lines) if line.startswith("msgstr"))
        msgid = "".join(json.loads(_quoted(line)) for line in lines[:split])
        msgstr = "".join(json.loads(_quoted(line)) for line in lines[split:])
        if msgid:
            entries[msgid] = msgstr
    return entries


def test_english_catalogue_is_complete_and_compiled():
    import gettext
    from pathlib import Path

    locale = Path(__file__).resolve().parents[2] / "riskdesk" / "locale" / "en" / "LC_MESSAGES"
    text = (locale / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = _po_entries(text)
    assert entries and not [msgid for msgid, msgstr in entries.items() if not msgstr]
    with open(locale / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in entries.items() if compiled.gettext(msgid) != msgstr]
    assert not stale, f"django.mo is stale, run `make messages`: {stale[:3]}"
