import datetime as dt
import io
import random

import pytest
from openpyxl import load_workbook

from riskdesk.customers.models import Customer, ImportBatch
from riskdesk.dossier.uscc import generate_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(users, make_customer):
    made = []
    for i in range(120):
        made.append(
            make_customer(
                f"客户{i:03d}有限公司",
                owner=users["sales"] if i % 2 else users["other_sales"],
                industry="制造业" if i % 3 else "建筑业",
                province="浙江省" if i % 4 else "广东省",
            )
        )
    return made


def test_list_filters_sort_and_paginate(client, users, portfolio):
    client.force_login(users["risk"])
    page = client.get("/customers/").content.decode()
    assert "共 120 个客户" in page and "第 1 / 3 页" in page
    filtered = client.get(
        "/customers/", {"industry": "建筑业", "province": "广东省"}
    ).content.decode()
    expected = sum(1 for i in range(120) if i % 3 == 0 and i % 4 == 0)
    assert f"共 {expected} 个客户" in filtered
    by_owner = client.get("/customers/", {"owner": "sales_u"}).content.decode()
    assert "共 60 个客户" in by_owner
    descending = client.get("/customers/", {"sort": "-name"}).content.decode()
    assert descending.index("客户119有限公司") < descending.index("客户100有限公司")
    searched = client.get("/customers/", {"q": portfolio[7].uscc.lower()}).content.decode()
    assert "共 1 个客户" in searched


def test_htmx_requests_get_only_the_table(client, users, portfolio):
    client.force_login(users["risk"])
    partial = client.get("/customers/", {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "第 2 / 3 页" in partial


def test_bad_filter_values_do_not_crash(client, users, portfolio):
    client.force_login(users["risk"])
    response = client.get("/customers/", {"owner": "ghost", "sort": "; drop", "page": "x"})
    assert response.status_code == 200


def test_export_follows_filters_and_neutralises_formulas(client, users, make_customer):
    make_customer("=cmd|' /C calc'!A0", owner=users["sales"], province="浙江省")
    make_customer("普通客户有限公司", owner=users["sales"], province="广东省")
    client.force_login(users["risk"])
    response = client.get("/customers/export.xlsx", {"province": "浙江省"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][0].startswith("'=")


def test_detail_shows_trading_history_and_aggregates(client, users, make_customer, invoice_for):
    customer = make_customer("详情客户有限公司", owner=users["sales"])
    invoice_for(
        customer,
        issue=dt.date.today() - dt.timedelta(days=60),
        due=dt.date.today() - dt.timedelta(days=30),
        amount="12345",
    )
    client.force_login(users["sales"])
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "详情客户有限公司" in page and "12,345" in page and "风险画像" in page


def test_web_import_preview_then_confirm(client, users):
    client.force_login(users["risk"])
    good = generate_uscc(random.Random(99))
    content = f"客户名称,统一社会信用代码\n网页导入有限公司,{good}\n坏行有限公司,123\n".encode()
    response = client.post("/customers/import/", {"kind": "customers", "file": io.BytesIO(content)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/import/{batch.pk}/")
    preview = client.get(response.url).content.decode()
    assert "坏行" not in preview or "123" in preview
    assert "confirm-import" not in preview, "a file with errors cannot be confirmed"
    client.post(f"/customers/import/{batch.pk}/confirm/")
    assert not Customer.objects.exists()
    response = client.post(
        "/customers/import/", {"kind": "customers", "valid_only": "on", "file": io.BytesIO(content)}
    )
    batch = ImportBatch.objects.latest("pk")
    assert "confirm-import" in client.get(response.url).content.decode()
    client.post(f"/customers/import/{batch.pk}/confirm/")
    assert list(Customer.objects.values_list("name", flat=True)) == ["网页导入有限公司"]
    assert client.post(f"/customers/import/{batch.pk}/confirm/").status_code == 404, "only once"


def test_another_user_cannot_confirm_my_upload(client, users):
    client.force_login(users["risk"])
    content = f"客户名称,统一社会信用代码\n甲有限公司,{generate_uscc(random.Random(5))}\n".encode()
    client.post("/customers/import/", {"kind": "customers", "file": io.BytesIO(content)})
    batch = ImportBatch.objects.get()
    client.force_login(users["admin"])
    assert client.post(f"/customers/import/{batch.pk}/confirm/").status_code == 404
    assert not Customer.objects.exists()


def test_template_download(client, users):
    client.force_login(users["risk"])
    response = client.get("/customers/import/template/orders.xlsx")
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert header[0] == "订单号"
    assert client.get("/customers/import/template/evil.xlsx").status_code == 404


def test_sort_links_carry_the_filters_but_one_sort(client, users, portfolio):
    client.force_login(users["risk"])
    page = client.get("/customers/", {"province": "广东省", "sort": "name"}).content.decode()
    links = [part.split('"')[0] for part in page.split('href="?')[1:] if "sort=" in part]
    assert links and all(link.count("sort=") == 1 and "province=" in link for link in links)
