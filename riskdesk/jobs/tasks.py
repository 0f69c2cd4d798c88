from django.core.management import call_command
from django.tasks import task


@task
def clear_expired_sessions() -> str:
    call_command("clearsessions")
    return "ok"
