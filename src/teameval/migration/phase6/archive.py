"""The retirement archive: one zip file any zip and JSON reader can open.

Members: ``tables/<table>.jsonl`` (every row of a legacy table) and
``columns/<table>.<column>.jsonl`` (a legacy column's values with the table's key, rows where
it holds a value), one JSON object per line (``rows``), and ``manifest.json``: the format, when
and by which teameval version it was made, the engine and database it came from, and per member
its row count, SHA-256 and the exact schema to make it again (``ddl``: the engine's own text for
tables, columns, constraints, indexes, triggers and sequences).

It is written beside its final name, flushed to disk (fsync), renamed into place, and read back
before anything is removed; a restore reads it the same way and refuses it when a member's
bytes or row count are not what the manifest says.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from teameval import __version__
from teameval.migration.phase6.plan import ColumnPart, RetirementPlan, TablePart
from teameval.migration.phase6.rows import parse_line, stream_lines

FORMAT = "teameval-legacy-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ENCODING_NOTE = (
    "One JSON object per line, columns in order. null, booleans, integers, finite floats and "
    "text are themselves; other values are {'$<type>': value}: $datetime (ISO 8601, UTC when "
    "it has a time zone), $date, $time, $decimal (text), $bytes (base64), $uuid, $interval "
    "(seconds), $float (NaN, infinities), $json, $text."
)
Progress = Callable[[str, int, int], None]  # member, rows done, rows in all


class ArchiveError(Exception):
    """The archive cannot be written, or is not what its manifest says (``problems``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Member:
    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Archive:
    path: Path
    sha256: str  # of the whole file
    manifest: dict[str, Any]

    @property
    def parts(self) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = self.manifest["parts"]
        return parts

    def rows(self, member: str) -> Iterator[tuple[Any, ...]]:
        part = next(p for p in self.parts if p["member"] == member)
        with zipfile.ZipFile(self.path) as archive, archive.open(member) as lines:
            for raw in lines:
                yield parse_line(part["columns"], raw)


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _part_json(part: TablePart | ColumnPart, member: Member) -> dict[str, Any]:
    common = {
        "member": member.name,
        "columns": list(part.source.columns),
        "key": list(part.key),
        "rows": member.rows,
        "sha256": member.sha256,
        "ddl": part.ddl,
    }
    if isinstance(part, TablePart):
        return {"kind": "table", "table": part.name, **common}
    return {"kind": "column", "table": part.table, "column": part.column, **common}


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory: the rename is all we can do
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_archive(
    path: Path,
    connection: sa.Connection,
    plan: RetirementPlan,
    source: dict[str, Any],
    on_progress: Progress | None = None,
) -> tuple[Archive, list[Member]]:
    """Write every part of ``plan`` from ``connection`` to ``path`` (which must not exist yet),
    flushed to disk; answers the archive and each member's rows and SHA-256 as written."""
    if path.exists():
        raise ArchiveError([f"{path} exists already: choose another --archive path"])
    partial = path.with_name(path.name + ".partial")
    total = sum(part.rows for part in plan.parts())
    members: list[Member] = []
    done_before = 0
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for part in plan.parts():
                name = part.member
                sha = hashlib.sha256()
                rows = 0

                def progress(done: int, name: str = name, before: int = done_before) -> None:
                    if on_progress is not None:
                        on_progress(name, before + done, total)

                with archive.open(name, "w", force_zip64=True) as handle:
                    for chunk in stream_lines(connection, part.source, progress):
                        handle.write(chunk)
                        sha.update(chunk)
                        rows += 1
                members.append(Member(name, rows, sha.hexdigest()))
                done_before += rows
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                "teameval_version": __version__,
                "engine": plan.dialect,
                "source": source,
                "shape": plan.shape,
                "encoding": ENCODING_NOTE,
                "parts": [
                    _part_json(part, member)
                    for part, member in zip(plan.parts(), members, strict=True)
                ],
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, path)
        _fsync_directory(path.parent)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ArchiveError([f"cannot write {path}: {error}"]) from error
    return Archive(path, file_sha256(path), manifest), members


def read_archive(path: Path) -> Archive:
    """The archive at ``path``, every member's bytes and row count checked against the
    manifest; :class:`ArchiveError` lists everything that is wrong."""
    if not path.is_file():
        raise ArchiveError([f"{path} does not exist or is not a file"])
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                raise ArchiveError([f"{path} has no {MANIFEST}: not a teameval legacy archive"])
            manifest = json.loads(archive.read(MANIFEST))
            if manifest.get("format") != FORMAT:
                raise ArchiveError(
                    [f"{path} is not a {FORMAT} (format {manifest.get('format')!r})"]
                )
            if manifest.get("format_version") != FORMAT_VERSION:
                raise ArchiveError(
                    [
                        f"archive format version {manifest.get('format_version')} is not "
                        f"{FORMAT_VERSION}: restore it with the teameval version that wrote it"
                    ]
                )
            problems = []
            for part in manifest["parts"]:
                member = part["member"]
                if member not in names:
                    problems.append(f"member {member} is missing")
                    continue
                sha = hashlib.sha256()
                rows = 0
                with archive.open(member) as handle:
                    for raw in handle:
                        sha.update(raw)
                        rows += 1
                if rows != part["rows"]:
                    problems.append(f"{member}: {rows} rows, the manifest says {part['rows']}")
                if sha.hexdigest() != part["sha256"]:
                    problems.append(
                        f"{member}: SHA-256 {sha.hexdigest()}, the manifest says {part['sha256']}"
                    )
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError) as error:
        raise ArchiveError([f"{path} is damaged or truncated: {error}"]) from error
    if problems:
        raise ArchiveError(problems)
    return Archive(path, file_sha256(path), manifest)
