"""Give every existing request its own unguessable reply token (reversible: back to empty)."""

import secrets

from django.db import migrations


def fill_tokens(apps, schema_editor):
    FoiRequest = apps.get_model("requests_app", "FoiRequest")
    for pk in FoiRequest.objects.filter(reply_token__isnull=True).values_list("pk", flat=True):
        FoiRequest.objects.filter(pk=pk).update(reply_token=secrets.token_urlsafe(16))


def clear_tokens(apps, schema_editor):
    apps.get_model("requests_app", "FoiRequest").objects.update(reply_token=None)


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0005_request_mail_out")]

    operations = [migrations.RunPython(fill_tokens, clear_tokens)]
