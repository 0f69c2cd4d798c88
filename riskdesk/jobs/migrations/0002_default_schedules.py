import datetime as dt

from django.db import migrations


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("jobs", "Schedule")
    Schedule.objects.get_or_create(
        name="clear-expired-sessions",
        defaults={
            "label": "清理过期会话 / Clear expired sessions",
            "task_path": "riskdesk.jobs.tasks.clear_expired_sessions",
            "kind": "daily",
            "time_of_day": dt.time(3, 30),
            "timezone": "Asia/Shanghai",
            # next_run_at stays empty: the scheduler computes it on its first tick.
        },
    )


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
