"""What the risk profile shows about credit: limit, exposure, utilisation, open requests and the
limit request form."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from riskdesk.accounts import permissions
from riskdesk.credit import services
from riskdesk.credit.choices import RequestStatus
from riskdesk.credit.forms import LimitRequestForm
from riskdesk.credit.models import CreditSettings, LimitRequest


def _may_request(user, customer) -> bool:
    try:
        permissions.require(user, "request_limit", customer)
    except PermissionDenied:
        return False
    return True


def panel_context(*, customer, user, form=None, notice=None) -> dict:
    if not permissions.may(user, "view_credit"):
        return {"visible": False}
    exposure = services.customer_exposure(customer)
    utilisation = exposure.utilisation_pct
    warning = CreditSettings.load().utilisation_warning_pct
    may_request = _may_request(user, customer)
    return {
        "visible": True,
        "customer": customer,
        "exposure": exposure,
        "limit": exposure.limit,
        "utilisation": utilisation,
        "bar_pct": min(utilisation, 100) if utilisation is not None else 0,
        "warn": utilisation is not None and utilisation >= warning,
        "open_requests": LimitRequest.objects.filter(
            customer=customer, status=RequestStatus.PENDING
        ).select_related("requested_by"),
        "may_request": may_request,
        "form": form or (LimitRequestForm(user=user, customer=customer) if may_request else None),
        "notice": notice,
    }
