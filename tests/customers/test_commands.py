"""The shell side: ``riskdesk import …`` prints the promised JSON and exit codes."""

import json
import random

import pytest
from django.core.management import call_command

from riskdesk.cli import main as riskdesk_main
from riskdesk.customers.models import Customer
from riskdesk.dossier.uscc import generate_uscc

pytestmark = pytest.mark.django_db
GOOD = generate_uscc(random.Random(31))


def run_import(capsys, *argv) -> tuple[int, str]:
    try:
        call_command("import_data", *argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_dry_run_json_reports_every_error_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "customers.csv"
    path.write_text(
        f"客户名称,统一社会信用代码\n好有限公司,{GOOD}\n坏有限公司,91110108551385082A\n,{GOOD}\n",
        "utf-8",
    )
    code, out = run_import(capsys, "customers", str(path), "--dry-run", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert set(report) >= {"ok", "created", "updated", "errors"}
    assert {(e["row"], e["column"], e["code"]) for e in report["errors"]} == {
        (3, "uscc", "invalid_uscc"),
        (4, "name", "required"),
        (4, "uscc", "duplicate_in_file"),
    }
    assert all(set(e) == {"row", "column", "value", "code", "message"} for e in report["errors"])
    assert not Customer.objects.exists()


def test_clean_file_imports_and_exits_zero(tmp_path, capsys):
    path = tmp_path / "customers.csv"
    path.write_text(f"name,uscc\n好有限公司,{GOOD}\n", "utf-8")
    code, out = run_import(capsys, "customers", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["created"] == 1 and Customer.objects.count() == 1


def test_gbk_file_with_explicit_encoding_and_text_output(tmp_path, capsys):
    path = tmp_path / "customers.csv"
    path.write_bytes(f"客户名称,统一社会信用代码\n好有限公司,{GOOD}\n".encode("gbk"))
    code, out = run_import(capsys, "customers", str(path), "--encoding", "gbk")
    assert code == 0 and "新增 1" in out


def test_riskdesk_console_maps_import_to_the_command(tmp_path, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends; the test's transaction needs its own.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    path = tmp_path / "customers.csv"
    path.write_text(f"name,uscc\n好有限公司,{GOOD}\n", "utf-8")
    assert riskdesk_main(["import", "customers", str(path), "--dry-run", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert not Customer.objects.exists()


def test_missing_file_is_a_clear_error(capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_data", "customers", "/no/such/file.csv")
