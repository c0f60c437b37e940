from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from requests_app.body_lists import BodyFileError, read_bodies
from requests_app.models.forces import BodyKind, Country
from requests_app.services.bodies import UNCHANGED, bodies_import

OVERRIDES = ("name", "code", "nation", "email", "aliases")


class Command(BaseCommand):
    help = (
        "Add or update public bodies from a list people already have (CSV or XLSX): a name "
        "column (Name / Authority / Public authority), and optionally Code (GSS / ONS), Nation "
        "(Country), FOI email (Email) and Also known as. Bodies are matched by code, then by "
        "name or other name. If any line is refused nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file with a header row.")
        parser.add_argument(
            "--kind", required=True, choices=BodyKind.values, help="What the bodies are."
        )
        parser.add_argument(
            "--nation",
            default="",
            choices=["", *Country.values],
            help="The nation of rows that give none (and no GSS code).",
        )
        for column in OVERRIDES:
            parser.add_argument(
                f"--{column}-column",
                default="",
                help=f"The header of the {column} column, where the file calls it otherwise.",
            )
        parser.add_argument("--dry-run", action="store_true", help="Report; write nothing.")
        parser.add_argument("--user", default="", help="Who imports (for the address trail).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"--user: there is no user '{options['user']}'.")
        overrides = {c: options[f"{c}_column"] for c in OVERRIDES if options[f"{c}_column"]}
        try:
            rows = read_bodies(data, path.name, overrides=overrides)
        except BodyFileError as exc:
            raise CommandError(f"{path}: {exc}") from None
        report = bodies_import(
            rows,
            kind=options["kind"],
            nation=options["nation"],
            actor=actor,
            source=path.name,
            dry_run=options["dry_run"],
        )
        verbose = options["verbosity"] > 1
        for line in report.lines:
            if line.outcome == UNCHANGED and not verbose:
                continue
            detail = f": {line.detail}" if line.detail else ""
            self.stdout.write(f"line {line.line}: {line.outcome} {line.name}{detail}")
        if report.refused:
            raise CommandError(f"{path}: {report.summary()}")
        self.stdout.write(report.summary())
