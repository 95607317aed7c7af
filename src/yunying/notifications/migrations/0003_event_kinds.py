# The shipped event kinds, so an upgraded install has them before anyone runs `yunying seed`.

from django.db import migrations


def load(apps, schema_editor):
    from yunying.notifications.kinds import KINDS

    kind = apps.get_model("notifications", "EventKind")
    for order, seed in enumerate(KINDS, start=1):
        kind.objects.get_or_create(
            code=seed.code,
            defaults={
                "name": seed.name,
                "channels": list(seed.channels),
                "urgent": seed.urgent,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_copy_workflow_notifications")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
