"""Issue 28: each campaign's data version (the cached totals' key), and the database cache's
table (settings.CACHES: the database cache unless CACHE_URL names Redis), so that a fresh
`migrate` (./run.sh, the tests, CI) leaves a database the cache works on."""

import django.db.models.deletion
from django.core.management import call_command
from django.db import migrations, models


def create_cache_table(apps, schema_editor):
    # Creates the table of every database cache in settings.CACHES, if missing; nothing for
    # Redis. Kept on the way back: it holds nothing a later migration depends on.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0022_mail_checks"),
    ]

    operations = [
        migrations.CreateModel(
            name="CampaignDataVersion",
            fields=[
                (
                    "campaign",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="data_version",
                        serialize=False,
                        to="requests_app.campaign",
                    ),
                ),
                ("version", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
