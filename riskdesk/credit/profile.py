"""What the risk profile shows about credit: limit, exposure, utilisation and open requests."""

from __future__ import annotations

from riskdesk.accounts import permissions
from riskdesk.credit import services
from riskdesk.credit.choices import RequestStatus
from riskdesk.credit.models import CreditSettings, LimitRequest


def panel_context(*, customer, user) -> dict:
    if not permissions.may(user, "view_credit"):
        return {"visible": False}
    exposure = services.customer_exposure(customer)
    utilisation = exposure.utilisation_pct
    warning = CreditSettings.load().utilisation_warning_pct
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
    }
