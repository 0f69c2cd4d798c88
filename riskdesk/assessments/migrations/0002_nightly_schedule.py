import datetime as dt

from django.db import migrations


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("jobs", "Schedule")
    Schedule.objects.get_or_create(
        name="nightly-assessment",
        defaults={
            "label": "全量重新评估 / Re-assess the whole portfolio",
            "task_path": "riskdesk.assessments.tasks.nightly_assessment_task",
            "kind": "daily",
            "time_of_day": dt.time(2, 0),
            "timezone": "Asia/Shanghai",
            # next_run_at stays empty: the scheduler computes it on its first tick.
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("jobs", "Schedule").objects.filter(name="nightly-assessment").delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial"), ("jobs", "0002_default_schedules")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
