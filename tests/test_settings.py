"""Production settings are secure by default; configuration comes only from the environment."""

import os
import subprocess
import sys

import pytest

PROBE = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({k: getattr(settings, k, None) for k in ("
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
    "'ALLOWED_HOSTS', 'TIME_ZONE', 'LANGUAGE_CODE', 'SECURE_SSL_REDIRECT')} | "
    "{'db': settings.DATABASES['default']['ENGINE'], 'tasks': settings.REDIS_URL}))"
)


def settings_under(env: dict[str, str]) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RISKDESK_")}
    clean |= {"DJANGO_SETTINGS_MODULE": "riskdesk.settings", **env}
    done = subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def test_production_refuses_to_start_without_a_secret_key():
    code, output = settings_under({})
    assert code != 0 and "RISKDESK_SECRET_KEY" in output


def test_production_defaults_are_secure():
    import json

    code, output = settings_under(
        {"RISKDESK_SECRET_KEY": "x" * 50, "RISKDESK_ALLOWED_HOSTS": "risk.example.com"}
    )
    assert code == 0, output
    values = json.loads(output)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_SSL_REDIRECT"]
    assert values["ALLOWED_HOSTS"] == ["risk.example.com"]
    assert values["TIME_ZONE"] == "Asia/Shanghai" and values["LANGUAGE_CODE"] == "zh-hans"
    assert values["db"].endswith("sqlite3") and values["tasks"] is None


@pytest.mark.parametrize(
    ("env", "key", "expected"),
    [
        (
            {"RISKDESK_DATABASE_URL": "postgresql://u:p@db:5432/risk"},
            "db",
            "django.db.backends.postgresql",
        ),
        ({"RISKDESK_REDIS_URL": "redis://cache:6379/0"}, "tasks", "redis://cache:6379/0"),
        ({"RISKDESK_TIME_ZONE": "Europe/Berlin"}, "TIME_ZONE", "Europe/Berlin"),
        ({"RISKDESK_LANGUAGE": "en"}, "LANGUAGE_CODE", "en"),
    ],
)
def test_environment_variables_configure_it(env, key, expected):
    import json

    code, output = settings_under({"RISKDESK_SECRET_KEY": "x" * 50, **env})
    assert code == 0, output
    assert json.loads(output)[key] == expected
