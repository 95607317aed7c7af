from django.db import migrations


def _cards_for_waiting(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Inbox cards for the corrective actions already waiting for someone (the running code's own sync)."""
    Finding = apps.get_model("inspections", "Finding")
    if Finding.objects.exclude(status="closed").exists():
        from yunying.inspections.cards import findings_cards_sync
        from yunying.inspections.models import Finding as LiveFinding

        findings_cards_sync(LiveFinding.objects.exclude(status="closed"))


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_quality_evaluation"),
        ("workflow", "0007_merge_inbox_cards"),
    ]

    operations = [migrations.RunPython(_cards_for_waiting, migrations.RunPython.noop)]
