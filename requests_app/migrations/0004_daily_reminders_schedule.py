"""The default beat schedule: the daily reminders job at 07:00 Europe/London, Monday to Friday.

Kept in the database (django-celery-beat) so staff can change the time or pause it in the admin.
Bank holidays are not left out here: the job itself does nothing on a non-working day, and the
next working day's run catches up on anything owed.
"""

from django.db import migrations

TASK_NAME = "Daily reminders and chasers"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="7",
        day_of_week="1-5",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/London",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "requests_app.send_daily_reminders",
            "crontab": crontab,
            "enabled": True,
            "description": "Staff digests and chasers to late forces (manage.py send_reminders).",
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0003_sent_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
