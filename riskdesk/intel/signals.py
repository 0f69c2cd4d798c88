"""Signals other apps listen to (so intel never imports them)."""

from django.dispatch import Signal

events_stored = Signal()
"""Sent inside the storing transaction with ``event_ids``: the change events just created."""
