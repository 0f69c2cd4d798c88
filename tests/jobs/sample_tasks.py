"""Tasks used by the queue tests (module-level, as django.tasks requires)."""

from django.tasks import task


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def explode() -> None:
    raise RuntimeError("boom")


@task
def nothing() -> None:
    return None
