import django.db.models.deletion
from django.db import migrations, models


def _cards_for_waiting(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Inbox cards for the occurrences already waiting for someone (the running code's own rebuild)."""
    Occurrence = apps.get_model("duties", "Occurrence")
    if Occurrence.objects.filter(status__in=("open", "returned", "submitted")).exists():
        from yunying.duties.cards import duty_cards_rebuild

        duty_cards_rebuild()


def _shipped_rules(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The shipped supervision bulletin goes on to the stores once accepted, and the weekly delivery-incident
    summary arrives pre-filled (unless an administrator set them otherwise)."""
    Duty = apps.get_model("duties", "Duty")
    Duty.objects.filter(key="inspection_bulletin", on_accept="").update(on_accept="send_to_stores")
    Duty.objects.filter(key="weekly_delivery", prefill="").update(prefill="delivery_incidents")


class Migration(migrations.Migration):
    dependencies = [
        ("duties", "0001_initial"),
        ("workflow", "0007_merge_inbox_cards"),
        ("org", "0002_unit_time_zone_inherited"),
    ]

    operations = [
        migrations.AddField(
            model_name="occurrence",
            name="draft",
            field=models.JSONField(
                blank=True, help_text="承办人保存未提交的内容；提交后清空", null=True, verbose_name="草稿"
            ),
        ),
        migrations.AddField(
            model_name="occurrence",
            name="draft_saved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="草稿保存时间"),
        ),
        migrations.AlterField(
            model_name="duty",
            name="on_accept",
            field=models.CharField(
                blank=True,
                choices=[("", "无"), ("apply_targets", "写入下月业绩指标"), ("send_to_stores", "发至各门店")],
                max_length=30,
                verbose_name="通过后",
            ),
        ),
        migrations.CreateModel(
            name="StoreDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("delivered_at", models.DateTimeField(verbose_name="发出时间")),
                ("notified_at", models.DateTimeField(blank=True, null=True, verbose_name="已通知")),
                (
                    "occurrence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="duties.occurrence",
                        verbose_name="职责事项",
                    ),
                ),
                (
                    "store",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="duty_deliveries",
                        to="org.orgunit",
                        verbose_name="门店",
                    ),
                ),
            ],
            options={
                "verbose_name": "发至门店",
                "verbose_name_plural": "发至门店",
                "ordering": ["-delivered_at", "pk"],
                "indexes": [models.Index(fields=["store", "delivered_at"], name="duties_delivery_store")],
                "constraints": [
                    models.UniqueConstraint(fields=("occurrence", "store"), name="duties_delivery_once")
                ],
            },
        ),
        migrations.AlterField(
            model_name="duty",
            name="prefill",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "无"),
                    ("previous_plan", "上期计划（总结未完成事项）"),
                    ("weekly_performance", "周业绩汇总（业绩分析）"),
                    ("delivery_incidents", "周配送事故汇总（配送事故流程）"),
                    ("target_proposal", "下月业绩指标建议（业绩指标）"),
                    ("inspection_bulletin", "督导检查公报（巡店）"),
                    ("quality_evaluation", "门店运营质量评估（巡店）"),
                    ("training_needs", "本季度培训需求调查汇总"),
                    ("cadre_summary", "本季度干部能力评估汇总"),
                ],
                max_length=30,
                verbose_name="预填内容",
            ),
        ),
        migrations.RunPython(_shipped_rules, migrations.RunPython.noop),
        migrations.RunPython(_cards_for_waiting, migrations.RunPython.noop),
    ]
