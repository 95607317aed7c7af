"""Existing installs: give the positions that ship with these rights (seed defaults) the analytics
permissions. New installs get them from `yunying seed` (seed/defaults.py)."""

from django.db import migrations

GRANTS = {
    "OPS-MGR": [("storetarget", "add_storetarget"), ("storetarget", "change_storetarget"),
                ("salesimport", "add_salesimport")],
    "MGMT-HEAD": [("salesimport", "add_salesimport")],
}
NAMES = {"add_storetarget": "Can add 门店业绩指标", "change_storetarget": "Can change 门店业绩指标",
         "add_salesimport": "Can add 销售导入"}


def grant(apps, schema_editor):
    Position = apps.get_model("org", "Position")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for code, perms in GRANTS.items():
        position = Position.objects.filter(code=code).first()
        if position is None:
            continue
        for model, codename in perms:
            content_type, _ = ContentType.objects.get_or_create(app_label="analytics", model=model)
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": NAMES[codename]}
            )
            position.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
