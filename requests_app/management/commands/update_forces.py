import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Force
from requests_app.text import plural

REQUIRED_COLUMNS = ("force", "foi_email")


class Command(BaseCommand):
    help = (
        "Set forces' FOI email addresses from a CSV file with columns 'force' and 'foi_email'. "
        "Forces are matched by any of their names, aliases or ONS codes. Every line is checked "
        "first; on any error nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with a header row: force,foi_email")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        reader = csv.DictReader(text.splitlines())
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise CommandError(
                f"{path}: line 1: missing column {', '.join(repr(c) for c in missing)} "
                f"(found {', '.join(repr(c) for c in header) or 'nothing'})."
            )
        reader.fieldnames = header

        resolver = ForceResolver()
        errors: list[str] = []
        updates: dict[int, tuple[Force, str, int]] = {}
        for row in reader:
            line = reader.line_num
            name = (row.get("force") or "").strip()
            email = (row.get("foi_email") or "").strip()
            if not name and not email:
                continue
            try:
                force = resolver.resolve(name)
            except ForceNameError as exc:
                errors.append(f"line {line}: {exc}")
                continue
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    errors.append(f"line {line}: '{email}' is not an email address.")
                    continue
            if force.pk in updates:
                errors.append(
                    f"line {line}: {force.name} is already on line {updates[force.pk][2]}."
                )
                continue
            updates[force.pk] = (force, email, line)
        if errors:
            raise CommandError(
                f"{path}: nothing written, {plural(len(errors), 'error')}:\n" + "\n".join(errors)
            )

        changed = 0
        with transaction.atomic():
            for force, email, _ in updates.values():
                if force.foi_email != email:
                    force.foi_email = email
                    force.save(update_fields=["foi_email"])
                    changed += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Read {plural(len(updates), 'force')}; changed "
                f"{plural(changed, 'FOI email address', 'FOI email addresses')}."
            )
        )
