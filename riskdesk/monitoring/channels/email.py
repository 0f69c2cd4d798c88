"""E-mail digests: one multipart message (plain text + HTML) per digest over SMTP."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from riskdesk.monitoring.channels.base import SendError


def build_message(digest) -> EmailMultiAlternatives:
    """The message; its Message-ID is derived from the digest, so a resend is recognisable."""
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=digest.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.recipient_email],
        headers={
            "Message-ID": f"<{digest.uid}@riskdesk>",
            "X-Riskdesk-Digest": str(digest.uid),
        },
    )
    message.attach_alternative(digest.html, "text/html")
    return message


def send_email(digest) -> None:
    if not digest.recipient_email:
        raise SendError("没有邮箱地址 / no e-mail address")
    try:
        sent = mail.mailers.default.send_messages([build_message(digest)])
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"SMTP: {type(exc).__name__}: {exc}") from exc
    if sent != 1:
        raise SendError("SMTP: 邮件未被接受 / the message was not accepted")
