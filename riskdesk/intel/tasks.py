"""Background work of the intel app (django.tasks on huey)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils.translation import gettext as _

from riskdesk.accounts.models import User
from riskdesk.intel import services
from riskdesk.jobs import services as jobs


@task
def refresh_all_task(
    *,
    job_id: int | None = None,
    actor_id: int | None = None,
    as_of: str | None = None,
    force: bool = False,
    provider_id: str | None = None,
    customer_ids: list[int] | None = None,
) -> dict:
    """Refresh dossiers (all the actor may refresh, or ``customer_ids``) with Job progress."""
    actor = User.objects.get(pk=actor_id) if actor_id else services.SYSTEM
    if job_id is None:
        job_id = jobs.start_job(
            kind="intel.refresh", title=_("刷新全部企业档案") + " / Refresh dossiers"
        ).pk
    try:
        summary = services.refresh_all_dossiers(
            actor=actor,
            as_of=dt.date.fromisoformat(as_of) if as_of else None,
            provider_id=provider_id,
            force=force,
            customer_ids=customer_ids,
            job_id=job_id,
        )
    except Exception as exc:
        jobs.fail_job(job_id=job_id, error=str(exc)[:2000])
        raise
    result = summary.as_dict()
    jobs.finish_job(
        job_id=job_id,
        result=result,
        message=_("完成：%(done)s 家，新事件 %(events)s 条 / done: %(done)s, new events %(events)s")
        % {"done": summary.done, "events": summary.counts["events"]},
    )
    return result
