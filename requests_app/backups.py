"""Backup and restore of the whole tracker: every app's rows, the attachment files, a manifest.

A backup is a folder, in the "backups" storage (settings.STORAGES: var/backups locally, a bucket
or prefix on S3) or in a local folder given by path, written and read through the storage API:
    manifest.json   format, when, Django and database, the migrations applied, rows per model,
                    the SHA-256 of data.json and of every stored file, and which rows
                    point at which file (with the SHA-256 the database holds for it)
    data.json       every app's rows in `dumpdata` JSON (natural foreign keys; times kept to the
                    microsecond; sessions left out: they are logins, not data), read in one
                    transaction so that it is a consistent snapshot; `loaddata` reads it
    media/          a copy of the stored files (attachments, quarantined files, raw emails),
                    read through the file fields' storage (requests_app/storage.py)

The manifest is written last: a backup cut short has none, and restore refuses it.

Restore checks the folder against its manifest before it touches anything, refuses a database
that already holds data (unless forced), brings the schema to the migrations the backup was made
with, then in ONE transaction empties every table, loads the rows, compares the rows per model
with the manifest, checks every row's file and SHA-256, and copies the files back (each checked
again after copying). Any difference rolls the whole database part back. Last, it migrates to
the code's current migrations (a backup from an older release is upgraded the usual way).

Content types and permissions are backed up with their ids (like every other row) and the
tables emptied before loading, so generic relations (the admin log) keep pointing at the right
model; references to them are also written with natural keys, so data.json reads by name.

This lives in foi_tracker/ because it spans every app; the commands are in requests_app.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import django
from django.apps import apps
from django.core import serializers
from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from requests_app.storage import STORED_FOLDERS, file_store, files_under
from requests_app.text import plural

FORMAT = "foi-tracker-backup/1"
DATA_FILE = "data.json"
MANIFEST_FILE = "manifest.json"
MEDIA_DIR = "media"
# Left out of the backup: who is logged in right now, and django-celery-beat's "schedule changed"
# stamp (rewritten by a signal whenever a periodic task is saved, loading included).
EXCLUDED = {"sessions.session", "django_celery_beat.periodictasks"}
# Rows that `migrate` itself creates: a database holding only these counts as empty.
REFERENCE_DATA = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.periodictask",
    "django_celery_beat.periodictasks",
    "requests_app.forcealias",
    "requests_app.forcelist_forces",
}
# Tables `migrate` fills that people add to too (issue 30): only the rows people added count.
MIGRATE_ROWS = {
    "requests_app.force": {"kind": "police"},  # the 48 forces; imported bodies are data
    "requests_app.forcelist": {"builtin": True},  # the lists shipped; people's own are data
}


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Place:
    """Where a backup is: a storage and the folder (prefix) inside it."""

    storage: Storage
    prefix: str
    label: str

    def name(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def is_empty(self) -> bool:
        try:
            folders, files = self.storage.listdir(self.prefix)
        except (FileNotFoundError, NotADirectoryError):
            return True
        return not folders and not files


def place_for(target: str | Path) -> Place:
    """A local folder for a path (absolute, or starting with ./ or ../), else a name in the
    "backups" storage, which is the one every host shares when it is a bucket."""
    text = str(target)
    if os.path.isabs(text) or text.startswith(("./", "../")):
        folder = Path(text).resolve()
        return Place(FileSystemStorage(location=str(folder)), "", str(folder))
    name = text.strip("/")
    if not name or ".." in name.split("/"):
        raise BackupError(f"{text!r} is not a backup name.")
    return Place(storages["backups"], name, f"{name} in the backups storage")


def _hash_copy(source: IO[bytes], sink: IO[bytes] | None = None) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: source.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest(), size


def sha256_of(storage: Storage, name: str) -> str:
    with storage.open(name, "rb") as handle:
        return _hash_copy(handle)[0]


def copy_file(source: Storage, name: str, destination: Storage, to: str) -> dict:
    """Copy one stored file between storages (any backends), through a temporary copy on this
    host; its SHA-256 and size as read."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        with source.open(name, "rb") as handle:
            sha, size = _hash_copy(handle, spool)
        spool.seek(0)
        saved = destination.save(to, File(spool, name=to))
    if saved != to:
        destination.delete(saved)
        raise BackupError(f"{to} already exists where the file was to be copied.")
    return {"sha256": sha, "size": size}


def stored_files() -> list[str]:
    """Every stored file's name, through the file fields' storage."""
    return [name for folder in STORED_FOLDERS for name in files_under(file_store, folder)]


def _models() -> list[type[models.Model]]:
    """Every concrete model with a table, many-to-many tables included, sessions left out."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in EXCLUDED
    ]


def _counts(using: str) -> dict[str, int]:
    return {
        model._meta.label_lower: model._base_manager.using(using).count()
        for model in sorted(_models(), key=lambda m: m._meta.label_lower)
    }


def _file_references(using: str) -> list[dict]:
    """Every row that points at a stored file: model, pk, field, name, and the recorded SHA-256."""
    references = []
    for model in _models():
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        has_sha = any(f.name == "sha256" for f in model._meta.concrete_fields)
        for file_field in file_fields:
            columns = ["pk", file_field.attname] + (["sha256"] if has_sha else [])
            rows = (
                model._base_manager.using(using)
                .exclude(**{file_field.attname: ""})
                .order_by("pk")
                .values_list(*columns)
            )
            for row in rows:
                references.append(
                    {
                        "model": model._meta.label_lower,
                        "pk": row[0],
                        "field": file_field.name,
                        "name": row[1],
                        "sha256": row[2] if has_sha else None,
                    }
                )
    return references


def _applied_leaves(using: str) -> list[list[str]]:
    """Per app, the latest applied migration (what restore migrates to before loading)."""
    executor = MigrationExecutor(connections[using])
    applied = set(executor.loader.applied_migrations)
    graph = executor.loader.graph
    leaves = []
    for node in sorted(applied):
        children = graph.node_map[node].children if node in graph.node_map else set()
        if not any(child[0] == node[0] and child in applied for child in children):
            leaves.append([node[0], node[1]])
    return leaves


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds (ECMA-262); a backup keeps microseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _dump(path: Path, *, using: str) -> None:
    """What `dumpdata --natural-foreign --all` writes, without losing microseconds."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module]
    ordered = serializers.sort_dependencies(app_list, allow_cycles=True)

    def rows():
        for model in ordered:
            meta = model._meta
            if meta.proxy or not meta.managed or meta.label_lower in EXCLUDED:
                continue
            yield from model._base_manager.using(using).order_by(meta.pk.name).iterator()

    with path.open("w", encoding="utf-8") as stream:
        serializers.serialize(
            "json", rows(), stream=stream, cls=ExactJSONEncoder, use_natural_foreign_keys=True
        )


@dataclass
class BackupResult:
    path: str
    counts: dict[str, int]
    files: int
    bytes: int = 0


def backup(target: str | Path, *, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write a backup at `target` (a name in the backups storage, or a local folder), which must
    not exist or be empty. The manifest goes last, so a backup cut short never looks done."""
    place = place_for(target)
    if not place.is_empty():
        raise BackupError(f"{place.label} already exists and is not an empty folder.")
    manifest = _write_backup(place, using=using)
    total = sum(entry["size"] for entry in manifest["media"].values())
    return BackupResult(place.label, manifest["counts"], len(manifest["media"]), total)


def _write_backup(place: Place, *, using: str) -> dict:
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix="foi-backup-") as scratch:
        data_path = Path(scratch) / DATA_FILE
        # Called inside a transaction already (a test), the rows are read in the caller's.
        own_transaction = not connection.in_atomic_block
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql" and own_transaction:
                # One snapshot for every table (the default, READ COMMITTED, is one per query).
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # On SQLite the transaction (BEGIN IMMEDIATE in these settings) holds the write
            # lock: writers wait (up to the 20 s timeout) while the dump runs.
            _dump(data_path, using=using)
            counts = _counts(using)
            references = _file_references(using)
            migrations = _applied_leaves(using)
        data = copy_file(
            FileSystemStorage(location=scratch), DATA_FILE, place.storage, place.name(DATA_FILE)
        )

    media = {
        name: copy_file(file_store, name, place.storage, place.name(f"{MEDIA_DIR}/{name}"))
        for name in stored_files()
    }
    missing = [ref for ref in references if ref["name"] not in media]
    if missing:
        names = ", ".join(f"{r['model']} {r['pk']}: {r['name']}" for r in missing[:10])
        raise BackupError(
            f"{plural(len(missing), 'file')} the database points at {'is' if len(missing) == 1 else 'are'} missing: {names}"
        )
    changed = [r for r in references if r["sha256"] and r["sha256"] != media[r["name"]]["sha256"]]
    if changed:
        names = ", ".join(f"{r['model']} {r['pk']}: {r['name']}" for r in changed[:10])
        raise BackupError(
            f"{plural(len(changed), 'file')} {'differs' if len(changed) == 1 else 'differ'} from the SHA-256 on record: {names}"
        )

    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "django": django.get_version(),
        "database": connection.vendor,
        "migrations": migrations,
        "data": {"file": DATA_FILE, "sha256": data["sha256"]},
        "counts": counts,
        "media": media,
        "file_references": references,
    }
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    place.storage.save(place.name(MANIFEST_FILE), ContentFile(text.encode()))
    return manifest


# Restore -------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    counts: dict[str, int]
    files: int
    verified_references: int
    replaced: dict[str, int] = field(default_factory=dict)


def read_manifest(place: Place) -> dict:
    """The manifest, after checking data.json and every media file against it."""
    try:
        with place.storage.open(place.name(MANIFEST_FILE), "rb") as handle:
            manifest = json.loads(handle.read())
    except FileNotFoundError:
        raise BackupError(f"{place.label} is not a backup: no {MANIFEST_FILE}.") from None
    except ValueError as exc:
        raise BackupError(f"{place.label}: {MANIFEST_FILE} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r} (expected {FORMAT}).")
    data_name = place.name(manifest["data"]["file"])
    if _sha_or_none(place.storage, data_name) != manifest["data"]["sha256"]:
        raise BackupError(f"{data_name} is missing or does not match the manifest's SHA-256.")
    for relative, entry in manifest["media"].items():
        sha = _sha_or_none(place.storage, place.name(f"{MEDIA_DIR}/{relative}"))
        if sha is None:
            raise BackupError(f"Media file missing from the backup: {relative}")
        if sha != entry["sha256"]:
            raise BackupError(f"Media file does not match the manifest's SHA-256: {relative}")
    return manifest


def _sha_or_none(storage: Storage, name: str) -> str | None:
    try:
        return sha256_of(storage, name)
    except FileNotFoundError:
        return None


def existing_data(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows beyond what `migrate` creates, per model: what a restore would replace."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if MigrationRecorder.Migration._meta.db_table not in tables:
        return {}
    found = {}
    for model in _models():
        label = model._meta.label_lower
        if label in REFERENCE_DATA or model._meta.db_table not in tables:
            continue
        rows = model._base_manager.using(using)
        if label in MIGRATE_ROWS:
            rows = rows.exclude(**MIGRATE_ROWS[label])
        count = rows.count()
        if count:
            found[label] = count
    return found


def existing_media() -> list[str]:
    return stored_files()


def migrate_to(targets: list[tuple[str, str]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Bring the schema to exactly the migrations a backup was made with."""
    connection = connections[using]
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    unknown = [f"{app}.{name}" for app, name in targets if (app, name) not in graph.nodes]
    if unknown:
        raise BackupError(
            "The backup was made by a release with migrations this code does not have: "
            + ", ".join(unknown)
            + ". Restore it with that release, then upgrade."
        )
    executor.loader.check_consistent_history(connection)
    plan = executor.migration_plan(targets)
    executor.migrate(targets, plan=plan)


def restore(
    target: str | Path, *, force: bool = False, using: str = DEFAULT_DB_ALIAS
) -> RestoreResult:
    place = place_for(target)
    manifest = read_manifest(place)
    replaced = existing_data(using)
    media_present = set(existing_media())
    clashes = sorted(media_present & set(manifest["media"]))
    if (replaced or clashes) and not force:
        what = ", ".join(f"{label} ({n})" for label, n in sorted(replaced.items())[:8])
        raise BackupError(
            "The database already holds data"
            + (f": {what}" if what else "")
            + (f"; {len(clashes)} attachment files already exist" if clashes else "")
            + ". Restore into an empty database, or pass --force to replace it."
        )

    migrate_to([tuple(node) for node in manifest["migrations"]], using=using)

    with tempfile.TemporaryDirectory(prefix="foi-restore-") as scratch:
        # loaddata reads a local file: data.json is copied here from wherever the backup is.
        data = Path(scratch) / DATA_FILE
        copy_file(
            place.storage,
            place.name(manifest["data"]["file"]),
            FileSystemStorage(location=scratch),
            DATA_FILE,
        )
        counts, references = _load(place, manifest, data, using=using)

    # Upgrade a backup from an older release to this code's schema (no-op when they match);
    # this also adds content types and permissions for models newer than the backup.
    call_command("migrate", database=using, interactive=False, verbosity=0)
    _empty_cache()
    return RestoreResult(counts, len(manifest["media"]), len(references), replaced)


def _empty_cache() -> None:
    """The restored data versions count again from the backup's, so an entry cached before the
    restore could be read under a version that now names other data (issue 28's caches): the
    cache is emptied. The cache table, or Redis, is not among the rows a restore replaces."""
    try:
        cache.clear()
    except Exception as error:  # any backend's error: Redis down, ...
        raise BackupError(
            f"The data is restored, but the cache could not be emptied ({error}). Empty it "
            "(for Redis, FLUSHDB on the cache's database) before the site serves pages."
        ) from error


def _load(place: Place, manifest: dict, data: Path, *, using: str):
    """In one transaction: empty the tables, load the rows, check them, copy the files back."""
    with transaction.atomic(using=using):
        # Empty every table, content types included (they come back with their ids).
        call_command(
            "flush", interactive=False, inhibit_post_migrate=True, database=using, verbosity=0
        )
        call_command("loaddata", str(data), database=using, verbosity=0)
        counts = _counts(using)
        expected = manifest["counts"]
        differ = {
            label: (expected.get(label), counts.get(label))
            for label in set(expected) | set(counts)
            if expected.get(label, 0) != counts.get(label, 0)
        }
        if differ:
            raise BackupError(
                f"Rows per model differ from the manifest (expected, loaded): {differ}"
            )
        references = _file_references(using)
        _check_references(references, manifest)
        for relative, entry in manifest["media"].items():
            if file_store.exists(relative):  # --force: the backup's copy replaces it
                file_store.delete(relative)
            copied = copy_file(
                place.storage, place.name(f"{MEDIA_DIR}/{relative}"), file_store, relative
            )
            if copied["sha256"] != entry["sha256"]:
                raise BackupError(f"{relative} differs from the backup as copied.")
    return counts, references


def _check_references(references: list[dict], manifest: dict) -> None:
    media = manifest["media"]
    recorded = {(r["model"], r["pk"], r["field"]): r for r in manifest.get("file_references", [])}
    problems = []
    for ref in references:
        key = (ref["model"], ref["pk"], ref["field"])
        entry = media.get(ref["name"])
        if entry is None:
            problems.append(f"{ref['model']} {ref['pk']}: {ref['name']} is not in the backup")
        elif ref["sha256"] and ref["sha256"] != entry["sha256"]:
            problems.append(f"{ref['model']} {ref['pk']}: {ref['name']} SHA-256 differs")
        elif key in recorded and recorded[key]["name"] != ref["name"]:
            problems.append(f"{ref['model']} {ref['pk']}: points at another file than at backup")
    if len(references) != len(recorded):
        problems.append(f"{len(references)} file references loaded, {len(recorded)} backed up")
    if problems:
        raise BackupError("Attachments do not match the backup: " + "; ".join(problems[:10]))
