from __future__ import annotations


class SendError(Exception):
    """A send that did not go through; the message is stored on the delivery and shown to admins."""
