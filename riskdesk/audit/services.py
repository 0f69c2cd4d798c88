from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from riskdesk.audit.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``instance`` as JSON-able data, for before/after."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return _jsonable({name: getattr(instance, name) for name in names})


def record_event(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    extra: dict[str, Any] | None = None,
    ip: str | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Insert one audit event; call it inside the transaction of the action it records."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=actor_name or (user.get_username() if user else ""),
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_jsonable(before),
        after=_jsonable(after),
        extra=_jsonable(extra or {}),
        ip=ip,
    )
