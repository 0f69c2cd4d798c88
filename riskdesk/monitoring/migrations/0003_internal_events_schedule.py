import datetime as dt

from django.db import migrations

TASK = "riskdesk.monitoring.tasks.scan_internal_events_task"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("jobs", "Schedule")
    Schedule.objects.get_or_create(
        name="monitoring-internal-events",
        defaults={
            "label": "扫描内部预警事件 / Scan internal alert events",
            "task_path": TASK,
            "kind": "daily",
            "time_of_day": dt.time(6, 30),
            "timezone": "Asia/Shanghai",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("jobs", "Schedule").objects.filter(name="monitoring-internal-events").delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_rules_events"), ("jobs", "0002_default_schedules")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
