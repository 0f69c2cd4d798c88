"""A ``django.tasks`` backend that hands tasks to huey.

Each enqueue stores the call (task path, arguments) under the result id so that
``get_result`` can rebuild a :class:`TaskResult` from any process.
"""

from __future__ import annotations

import uuid

from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils.json import normalize_json
from django.utils.module_loading import import_string
from huey.exceptions import TaskException

_META_PREFIX = "riskdesk:call:"


class HueyTaskBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True

    def enqueue(self, task, args, kwargs):
        from riskdesk.jobs import queue

        self.validate_task(task)
        args, kwargs = normalize_json(list(args)), normalize_json(dict(kwargs))
        result_id = uuid.uuid4().hex
        queue.HUEY.put(_META_PREFIX + result_id, (task.module_path, args, kwargs))
        eta = None
        if task.run_after is not None:
            # huey runs with utc=False: it compares naive times in the system's local zone.
            eta = task.run_after.astimezone().replace(tzinfo=None)
        call = queue.run_django_task.task_class(
            args=(task.module_path, args, kwargs), id=result_id, eta=eta
        )
        queue.HUEY.enqueue(call)
        return self.get_result(result_id)

    def get_result(self, result_id):
        from riskdesk.jobs import queue

        call = queue.HUEY.get(_META_PREFIX + result_id, peek=True)
        if call is None:
            raise TaskResultDoesNotExist(result_id)
        module_path, args, kwargs = call
        status, value, errors = _huey_outcome(result_id)
        result = TaskResult(
            task=import_string(module_path),
            id=result_id,
            status=status,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=errors,
            worker_ids=[],
        )
        object.__setattr__(result, "_return_value", value)
        return result


def _huey_outcome(result_id: str) -> tuple[str, object, list[TaskError]]:
    from riskdesk.jobs import queue

    try:
        value = queue.HUEY.result(result_id, preserve=True)
    except TaskException as exc:
        error = TaskError(
            exception_class_path=str(exc.metadata.get("error", "huey.exceptions.TaskException")),
            traceback=str(exc.metadata.get("traceback", "")),
        )
        return TaskResultStatus.FAILED, None, [error]
    if value is None:
        return TaskResultStatus.READY, None, []
    return TaskResultStatus.SUCCESSFUL, value["value"], []
