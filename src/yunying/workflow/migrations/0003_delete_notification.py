# The notifications moved to the notifications app (their rows are copied by notifications 0002).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0002_rules_and_system_steps"),
        ("notifications", "0002_copy_workflow_notifications"),
    ]

    operations = [
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
