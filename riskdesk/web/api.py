"""API plumbing shared by every app: errors as bilingual JSON, never a 500 for a denial."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response({"code": "invalid", "errors": detail}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, OperationalError) and _is_busy(exc):
        return _busy()
    return drf_exception_handler(exc, context)


def _is_busy(exc: OperationalError) -> bool:
    """SQLite's write lock still held after the busy timeout: a retry will do, nothing changed."""
    return "database is locked" in str(exc)


def _busy() -> Response:
    message = _("系统繁忙，请稍后重试 / The database is busy; please retry shortly.")
    return Response(
        {"code": "busy", "errors": {"non_field_errors": [message]}},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )
