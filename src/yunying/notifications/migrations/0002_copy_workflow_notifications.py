# Copy every workflow notification into the notifications app, keeping its id, so nothing is lost.

from django.core.management.color import no_style
from django.db import migrations

URGENT = {"overdue", "escalated", "alert"}
BATCH = 2000


def _link(row):
    if row.task_id:
        return f"/workflow/tasks/{row.task_id}/"
    if row.instance_id:
        return f"/workflow/instances/{row.instance_id}/"
    return ""


def copy_forward(apps, schema_editor):
    old = apps.get_model("workflow", "Notification")
    new = apps.get_model("notifications", "Notification")
    batch = []
    for row in old.objects.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(
            new(
                pk=row.pk,
                recipient_id=row.recipient_id,
                kind=row.kind,
                message=row.message,
                url=_link(row),
                urgent=row.kind in URGENT,
                instance_id=row.instance_id,
                task_id=row.task_id,
                created_at=row.created_at,
                delivered_at=row.delivered_at,
                read_at=row.read_at,
            )
        )
        if len(batch) >= BATCH:
            new.objects.bulk_create(batch)
            batch = []
    if batch:
        new.objects.bulk_create(batch)
    _reset_sequence(schema_editor, new)


def copy_back(apps, schema_editor):
    old = apps.get_model("workflow", "Notification")
    new = apps.get_model("notifications", "Notification")
    old.objects.bulk_create(
        [
            old(
                pk=row.pk,
                recipient_id=row.recipient_id,
                kind=row.kind[:20],
                message=row.message,
                instance_id=row.instance_id,
                task_id=row.task_id,
                created_at=row.created_at,
                delivered_at=row.delivered_at,
                read_at=row.read_at,
            )
            for row in new.objects.order_by("pk")
        ],
        batch_size=BATCH,
    )
    _reset_sequence(schema_editor, old)


def _reset_sequence(schema_editor, model):
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("workflow", "0002_rules_and_system_steps"),
    ]

    operations = [migrations.RunPython(copy_forward, copy_back)]
