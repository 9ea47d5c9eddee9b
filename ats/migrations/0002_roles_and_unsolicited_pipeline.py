"""The three staff roles and the pipeline of unsolicited applications."""

from __future__ import annotations

from django.db import migrations

ROLES = ["hr", "hiring_manager", "management"]
UNSOLICITED_STAGES = [
    ("New", "new"),
    ("Screening", "screening"),
    ("Interview", "interview"),
    ("Offer", "offer"),
    ("Hired", "hired"),
    ("Rejected", "rejected"),
]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Stage = apps.get_model("ats", "Stage")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    if not Stage.objects.filter(vacancy=None).exists():
        for position, (name, kind) in enumerate(UNSOLICITED_STAGES):
            Stage.objects.create(vacancy=None, name=name, kind=kind, position=position)


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
    apps.get_model("ats", "Stage").objects.filter(vacancy=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ats", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, remove)]
