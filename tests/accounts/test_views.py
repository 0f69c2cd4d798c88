import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from riskdesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_login_logout_are_audited(client, users):
    assert login(client, "risk_u", "pw-risk_u").status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    actions = list(AuditEvent.objects.filter(actor_name="risk_u").values_list("action", flat=True))
    assert "login" in actions and "logout" in actions


def test_failed_logins_lock_the_account_for_a_while(client, users, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert login(client, "risk_u", "wrong").status_code == 200
    locked = login(client, "risk_u", "pw-risk_u")
    assert locked.status_code == 200 and "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    other = login(client, "credit_u", "pw-credit_u")
    assert other.status_code == 302, "one locked user does not lock the others"


def test_api_token_endpoint_shares_the_lock_out(users, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    api = APIClient()
    assert api.post("/api/token/", {"username": "sales_u", "password": "bad"}).status_code == 400
    assert api.post("/api/token/", {"username": "sales_u", "password": "bad"}).status_code == 400
    assert (
        api.post("/api/token/", {"username": "sales_u", "password": "pw-sales_u"}).status_code
        == 429
    )


def test_token_from_profile_page_authenticates_the_api(client, users):
    client.force_login(users["sales"])
    page = client.post("/accounts/token/create/")
    token = Token.objects.get(user=users["sales"])
    assert token.key in page.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    me = api.get("/api/me/").json()
    assert me["username"] == "sales_u" and me["roles"] == ["sales"]
    client.post("/accounts/token/revoke/")
    assert api.get("/api/me/").status_code == 401


def test_password_change(client, users):
    client.force_login(users["auditor"])
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "pw-auditor_u",
            "new_password1": "Zq8#long-enough",
            "new_password2": "Zq8#long-enough",
        },
    )
    assert response.status_code == 302
    users["auditor"].refresh_from_db()
    assert users["auditor"].check_password("Zq8#long-enough")


def test_language_switch_to_english(client, users):
    client.force_login(users["risk"])
    assert "客户" in client.get("/customers/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    page = client.get("/customers/").content.decode()
    assert "Customers" in page and "Export Excel" in page
