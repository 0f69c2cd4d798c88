"""The sandbox provider, enabled by default, so the product works offline and in the demo."""

from django.db import migrations


def add_sandbox(apps, schema_editor):
    ProviderConfig = apps.get_model("intel", "ProviderConfig")
    ProviderConfig.objects.get_or_create(
        provider_id="sandbox",
        defaults={"priority": 100, "enabled": True, "settings": {}, "max_age_days": 7},
    )


def remove_sandbox(apps, schema_editor):
    apps.get_model("intel", "ProviderConfig").objects.filter(provider_id="sandbox").delete()


class Migration(migrations.Migration):
    dependencies = [("intel", "0001_initial")]

    operations = [migrations.RunPython(add_sandbox, remove_sandbox)]
