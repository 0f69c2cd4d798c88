import datetime as dt

from django.db import migrations


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("jobs", "Schedule")
    Schedule.objects.get_or_create(
        name="credit-periodic-review",
        defaults={
            "label": "定期复评到期客户 / Re-assess customers due for review",
            "task_path": "riskdesk.credit.tasks.periodic_review_task",
            "kind": "daily",
            "time_of_day": dt.time(2, 0),
            "timezone": "Asia/Shanghai",
            # next_run_at stays empty: the scheduler computes it on its first tick.
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("jobs", "Schedule").objects.filter(name="credit-periodic-review").delete()


class Migration(migrations.Migration):
    dependencies = [("credit", "0002_reviews"), ("jobs", "0002_default_schedules")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
