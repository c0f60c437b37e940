"""The computed lists shipped with the tracker (issue 30), in a migration of their own: on
PostgreSQL, deleting the rows and altering the table in one transaction (migrating back) fails
with "pending trigger events"."""

from django.db import migrations

# Computed lists shipped with the tracker (issue 30): each is every active body of a kind (and
# nation) as the registry stands when a campaign is made from it.
COMPUTED_LISTS = [
    ("All police forces", "police-forces", "police", ""),
    ("All Scottish councils", "scottish-councils", "council", "scotland"),
    ("All councils in Wales", "welsh-councils", "council", "wales"),
    ("All councils in England", "english-councils", "council", "england"),
]


def add_lists(apps, schema_editor):
    ForceList = apps.get_model("requests_app", "ForceList")
    for name, slug, kind, nation in COMPUTED_LISTS:
        ForceList.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "nation": nation, "builtin": True}
        )


def remove_lists(apps, schema_editor):
    ForceList = apps.get_model("requests_app", "ForceList")
    ForceList.objects.filter(slug__in=[s for _n, s, _k, _c in COMPUTED_LISTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0024_public_bodies")]

    operations = [migrations.RunPython(add_lists, remove_lists)]
