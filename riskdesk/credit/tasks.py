"""Background work of the credit app (django.tasks on huey)."""

from __future__ import annotations

from django.tasks import task

from riskdesk.credit import reviews


@task
def periodic_review_task() -> dict[str, int]:
    """The scheduled periodic review: re-assess every customer that is due."""
    return reviews.run_due_reviews().as_dict()
