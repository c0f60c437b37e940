import csv
import getpass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Force, ForceAddressChange
from requests_app.services.forces import force_set_foi_email
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
        parser.add_argument(
            "--user",
            default="",
            help="Who is making the change, for the address's audit trail (a username).",
        )

    def _actor(self, username: str):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--user: there is no user '{username}'.")
        return user

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

        actor = self._actor(options["user"])
        changed = 0
        with transaction.atomic():
            for force, email, line in updates.values():
                if force.foi_email != email:
                    force_set_foi_email(
                        force_id=force.pk,
                        actor=actor,
                        foi_email=email,
                        via=ForceAddressChange.Via.COMMAND,
                        note=f"update_forces {path.name}, line {line}"
                        + ("" if actor else f", run by {getpass.getuser()} on this machine"),
                    )
                    changed += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Read {plural(len(updates), 'force')}; changed "
                f"{plural(changed, 'FOI email address', 'FOI email addresses')}."
            )
        )
