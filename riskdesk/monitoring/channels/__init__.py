"""Senders, one per transport. Each takes a stored digest and either returns or raises
:class:`SendError`; none of them touches the delivery log (that is the caller's job)."""

from __future__ import annotations

from riskdesk.monitoring.channels.base import SendError
from riskdesk.monitoring.choices import Transport

__all__ = ["SendError", "send"]


def send(digest, *, attempt: int) -> None:
    """Send ``digest`` once over its transport (``attempt`` goes into the idempotency headers)."""
    if digest.transport == Transport.INBOX:
        return
    if digest.transport == Transport.EMAIL:
        from riskdesk.monitoring.channels.email import send_email

        send_email(digest)
        return
    from riskdesk.monitoring.channels.webhooks import send_webhook

    send_webhook(digest, attempt=attempt)
