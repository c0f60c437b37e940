"""Every request now has a reply token: make it required and unique."""

from django.db import migrations, models

import requests_app.models.requests


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0006_request_reply_tokens")]

    operations = [
        migrations.AlterField(
            model_name="foirequest",
            name="reply_token",
            field=models.CharField(
                default=requests_app.models.requests.new_reply_token,
                editable=False,
                help_text="Unguessable; the Reply-To of the request is built from it.",
                max_length=43,
                unique=True,
            ),
        ),
    ]
