"""Role × endpoint matrix: who sees, exports, changes and reaches what (acceptance 3)."""

from __future__ import annotations

import io
import random

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from riskdesk.customers.models import Customer
from riskdesk.dossier.uscc import generate_uscc

pytestmark = pytest.mark.django_db
VALID_USCC = generate_uscc(random.Random(7))


@pytest.fixture
def book(users, make_customer):
    return {
        "own": make_customer("自有客户有限公司", owner=users["sales"]),
        "team": make_customer("同组客户有限公司", owner=users["teammate"]),
        "foreign": make_customer("他人客户有限公司", owner=users["other_sales"]),
    }


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def listed_names(client, url="/api/customers/") -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {row["name"] for row in response.json()["results"]}


def exported_names(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.content)).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


EVERYONE = {"自有客户有限公司", "同组客户有限公司", "他人客户有限公司"}
SALES_VIEW = {"自有客户有限公司", "同组客户有限公司"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", EVERYONE),
        ("risk", EVERYONE),
        ("credit", EVERYONE),
        ("auditor", EVERYONE),
        ("sales", SALES_VIEW),
    ],
)
def test_list_export_and_api_show_the_same_scope(users, book, client, role, expected):
    user = users[role]
    assert listed_names(api(user)) == expected
    assert exported_names(api(user), "/api/customers/export/") == expected
    client.force_login(user)
    page = client.get("/customers/")
    assert page.status_code == 200
    shown = {name for name in EVERYONE if name in page.content.decode()}
    assert shown == expected
    assert exported_names(client, "/customers/export.xlsx") == expected


def test_a_user_without_a_role_sees_nothing_and_exports_nothing(users, book, client):
    nobody = users["nobody"]
    assert listed_names(api(nobody)) == set()
    assert api(nobody).get("/api/customers/export/").status_code == 403
    client.force_login(nobody)
    assert client.get("/customers/export.xlsx").status_code == 403
    assert client.get(f"/customers/{book['own'].pk}/").status_code == 404


@pytest.mark.parametrize("kind", ["own", "team", "foreign"])
def test_sales_reaches_only_own_and_team_customers(users, book, client, kind, order_for):
    import datetime as dt

    customer = book[kind]
    order = order_for(customer, day=dt.date(2026, 1, 5), amount="100")
    visible = kind != "foreign"
    client.force_login(users["sales"])
    assert client.get(f"/customers/{customer.pk}/").status_code == (200 if visible else 404)
    sales_api = api(users["sales"])
    assert sales_api.get(f"/api/customers/{customer.pk}/").status_code == (200 if visible else 404)
    assert sales_api.get(f"/api/orders/{order.pk}/").status_code == (200 if visible else 404)
    orders = sales_api.get(f"/api/orders/?customer={customer.pk}").json()["results"]
    assert bool(orders) == visible
    patch = sales_api.patch(f"/api/customers/{customer.pk}/", {"city": "杭州"}, format="json")
    assert patch.status_code == (200 if visible else 404)


def test_auditor_can_change_nothing(users, book, tmp_path):
    auditor = api(users["auditor"])
    customer = book["own"]
    before = list(Customer.objects.values_list("name", "city").order_by("pk"))
    responses = [
        auditor.post("/api/customers/", {"name": "新客户", "uscc": customer.uscc}, format="json"),
        auditor.patch(f"/api/customers/{customer.pk}/", {"city": "杭州"}, format="json"),
        auditor.put(
            f"/api/customers/{customer.pk}/", {"name": "x", "uscc": customer.uscc}, format="json"
        ),
        auditor.delete(f"/api/customers/{customer.pk}/"),
        auditor.post(
            "/api/imports/customers/",
            {"file": io.BytesIO("名称,统一社会信用代码\n".encode())},
            format="multipart",
        ),
    ]
    assert [r.status_code for r in responses] == [403] * len(responses)
    assert list(Customer.objects.values_list("name", "city").order_by("pk")) == before


def test_auditor_pages_offer_no_write_actions(users, book, client):
    client.force_login(users["auditor"])
    assert client.get("/customers/import/").status_code == 403
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin login


@pytest.mark.parametrize("role", ["sales", "credit", "auditor", "nobody"])
def test_only_admin_and_risk_manager_import(users, role):
    response = api(users[role]).post(
        "/api/imports/customers/", {"file": io.BytesIO(b"name,uscc\n")}, format="multipart"
    )
    assert response.status_code == 403


def test_only_admin_deletes(users, book):
    assert api(users["risk"]).delete(f"/api/customers/{book['own'].pk}/").status_code == 403
    assert api(users["sales"]).delete(f"/api/customers/{book['own'].pk}/").status_code == 403
    assert api(users["admin"]).delete(f"/api/customers/{book['own'].pk}/").status_code == 204


def test_sales_creates_customers_for_themselves(users):
    response = api(users["sales"]).post(
        "/api/customers/",
        {"name": "新开发客户有限公司", "uscc": VALID_USCC, "owner": "other_u"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    customer = Customer.objects.get(uscc=VALID_USCC)
    assert customer.owner == users["sales"] and customer.team == users["sales"].team


def test_anonymous_requests_are_refused(book, client):
    assert APIClient().get("/api/customers/").status_code in (401, 403)
    assert client.get("/customers/").status_code == 302
    assert client.get(f"/customers/{book['own'].pk}/").status_code == 302


def test_invalid_api_input_is_a_400_with_bilingual_reasons(users):
    response = api(users["risk"]).post(
        "/api/customers/",
        {
            "name": "坏代码有限公司",
            "uscc": VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1"),
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "uscc" in body["errors"]
    assert "校验码" in body["errors"]["uscc"][0] and "check" in body["errors"]["uscc"][0]
