"""Roster import services (名册导入): create a job from an upload, run it, report progress, build the files
people download (templates, the error report). Views, the management command and the Celery task call these."""

from __future__ import annotations

import csv
import io
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access import audit
from access.policy import may
from org.models import ImportJob, ImportKind, ImportStatus, Node, RosterColumnMap, User
from org.roster.columns import COLUMNS, Proposal, header_name, is_template, propose
from org.roster.engine import Outcome, execute
from org.roster.fields import CellError, text
from org.roster.reading import FileProblem, open_table
from xinyu.web.spreadsheets import safe_cell

log = logging.getLogger(__name__)

PROGRESS_TTL = 24 * 3600
FINISHED = {ImportStatus.DONE, ImportStatus.CHECKED, ImportStatus.REJECTED, ImportStatus.FAILED}
# How far each phase takes the bar: reading the file is most of the work.
PHASES = {"queued": (0, 0), "reading": (0, 80), "checking": (80, 85), "writing": (85, 99)}


SUMMARY_LABELS = {
    "rows": _("rows in the file"), "valid": _("valid rows"), "invalid": _("invalid rows"),
    "created": _("created"), "updated": _("updated"), "unchanged": _("unchanged"),
    "transferred": _("transferred from another school"), "classes_created": _("classes created"),
    "enrollments_created": _("enrollments created"), "guardians_created": _("guardians created"),
    "guardians_updated": _("guardians updated"), "links_created": _("guardian links created"),
    "links_updated": _("guardian links updated"), "posts_created": _("posts created"),
    "posts_updated": _("posts updated"),
}  # fmt: skip


def summary_rows(job: ImportJob) -> list[tuple[str, int]]:
    return [(str(SUMMARY_LABELS.get(k, k)), v) for k, v in job.summary.items()]


def progress_key(job_id: int) -> str:
    return f"roster:import:{job_id}:progress"


def _set_progress(job_id: int, *, status: str, rows: int, percent: int, phase: str) -> dict:
    state = {"status": status, "rows": rows, "percent": percent, "phase": phase}
    cache.set(progress_key(job_id), state, PROGRESS_TTL)
    return state


def progress_of(job: ImportJob) -> dict:
    """The job's progress while it runs (from the cache, written inside the open transaction), else from
    the job row."""
    state = cache.get(progress_key(job.pk)) if job.status not in FINISHED else None
    if state is None:
        state = {"status": job.status, "rows": job.processed_rows, "percent": job.percent, "phase": ""}
    state["finished"] = state["status"] in FINISHED
    return state


def stored_path(job: ImportJob) -> Path:
    path = Path(job.file)
    return path if path.is_absolute() else Path(settings.MEDIA_ROOT) / path


def create_job(
    *,
    user: User | None,
    kind: str,
    node: Node,
    original_name: str,
    upload: UploadedFile | None = None,
    path: str | Path | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> ImportJob:
    """Store the upload under MEDIA_ROOT/imports/ (or point at a file given to the command) and make a job.
    The importer must hold ``roster.import`` at ``node`` (R14: rosters are kept within one's own area)."""
    if user is not None and not may(user, "roster.import", node):
        raise PermissionDenied
    if upload is not None:
        suffix = Path(original_name).suffix.lower()[:8]
        relative = Path("imports") / timezone.localdate().strftime("%Y/%m") / f"{uuid.uuid4().hex}{suffix}"
        target = Path(settings.MEDIA_ROOT) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
        stored = str(relative)
    else:
        stored = str(Path(path).resolve())
    job = ImportJob.objects.create(
        kind=kind,
        node=node,
        created_by=user,
        file=stored,
        original_name=original_name[:255],
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )
    _set_progress(job.pk, status=job.status, rows=0, percent=0, phase="queued")
    return job


def run_job(
    job_id: int, *, language: str | None = None, echo: Callable[[dict], None] | None = None
) -> ImportJob:
    """Run one import (all or nothing unless ``skip_invalid``; a dry run always rolls back). Progress goes
    to the cache while the transaction is open; the job row is written once, at the end."""
    job = ImportJob.objects.select_related("node", "created_by").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
        return job  # a task delivered twice runs once; a job waiting for its columns does not run
    job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])

    def progress(rows: int, fraction: float, phase: str) -> None:
        low, high = PHASES[phase]
        state = _set_progress(
            job.pk,
            status=ImportStatus.RUNNING,
            rows=rows,
            percent=int(low + (high - low) * fraction),
            phase=phase,
        )
        if echo:
            echo(state)

    progress(0, 0.0, "reading")
    with translation.override(language or settings.LANGUAGE_CODE):
        out, status = _run(job, progress)
    job.status = status
    job.errors, job.error_count, job.summary = out.errors, out.error_count, out.summary
    job.warnings = out.warnings
    job.total_rows = job.processed_rows = out.rows
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status", "errors", "error_count", "summary", "warnings", "total_rows", "processed_rows",
            "finished_at",
        ]
    )  # fmt: skip
    _set_progress(job.pk, status=status, rows=out.rows, percent=100, phase="")
    counts = {k: v for k, v in out.summary.items() if isinstance(v, int)}
    audit.record(
        actor=job.created_by,
        action="roster.import",
        obj=job,
        detail={"kind": job.kind, "node": job.node.code, "status": status, "errors": out.error_count,
                "dry_run": job.dry_run, "skip_invalid": job.skip_invalid, **counts},
    )  # fmt: skip
    if echo:
        echo({"status": status, "rows": out.rows, "percent": 100, "phase": "", "finished": True})
    return job


def _run(job: ImportJob, progress) -> tuple[Outcome, str]:
    try:
        table = open_table(stored_path(job), job.original_name)
        try:
            with transaction.atomic():
                out, keep = execute(
                    table, kind=job.kind, node=job.node, skip_invalid=job.skip_invalid, progress=progress,
                    columns=job.columns or None,
                )  # fmt: skip
                if not keep or job.dry_run:
                    transaction.set_rollback(True)  # all or nothing; a dry run writes nothing
        finally:
            table.close()
    except FileProblem as problem:
        out = Outcome()
        out.add_error(problem.line, problem.column, problem.message)
        return out, ImportStatus.REJECTED
    except FileNotFoundError:
        out = Outcome()
        out.add_error(0, "", gettext("The uploaded file is gone; upload it again."))
        return out, ImportStatus.FAILED
    except Exception:
        log.exception("roster import %s failed", job.pk)
        out = Outcome()
        out.add_error(
            0, "", gettext("The import failed unexpectedly; nothing was written. Tell the administrator.")
        )
        return out, ImportStatus.FAILED
    if not keep:
        return out, ImportStatus.REJECTED
    return out, ImportStatus.CHECKED if job.dry_run else ImportStatus.DONE


# ---------------------------------------------------------------------------------------------------------
# The column-mapping step (issue 18 build 5)

SAMPLE_ROWS = 3


def saved_columns(node: Node, kind: str) -> dict[str, str]:
    found = RosterColumnMap.objects.filter(node=node, kind=kind).values_list("columns", flat=True).first()
    return found or {}


def column_proposal(job: ImportJob) -> tuple[list[Proposal], list[list[str]]]:
    """Each column of the job's file with the field we guess it holds, and the first rows' values of each
    column (what the uploader sees to decide). Raises FileProblem for a file that cannot be read."""
    table = open_table(stored_path(job), job.original_name)
    try:
        samples: list[list[str]] = [[] for _c in table.header]
        for line, cells in table.rows:
            if not any(c not in (None, "") for c in cells):
                continue
            for i, cell in enumerate(cells[: len(samples)]):
                try:
                    value = text(cell)
                except CellError:
                    value = str(cell)[:40]
                if value and len(samples[i]) < SAMPLE_ROWS:
                    samples[i].append(value[:40])
            if all(len(v) >= SAMPLE_ROWS for v in samples) or line > 50:
                break
        return propose(job.kind, table.header, saved_columns(job.node, job.kind)), samples
    finally:
        table.close()


def settle_columns(job: ImportJob) -> bool:
    """After the upload: True when the file can run as it is — the template's header, or headers the school's
    saved mapping covers (their choices are kept on the job) — else the job waits on the mapping page
    (status ``mapping``). A file that cannot even be read runs, so that the job reports why."""
    try:
        proposals, _samples = column_proposal(job)
    except FileProblem:
        return True
    if is_template(proposals):
        if any(p.source == "saved" for p in proposals):
            job.columns = [p.key for p in proposals]
            job.save(update_fields=["columns"])
        return True
    job.status = ImportStatus.MAPPING
    job.save(update_fields=["status"])
    _set_progress(job.pk, status=job.status, rows=0, percent=0, phase="queued")
    return False


def confirm_columns(
    job: ImportJob, *, user: User, columns: list[str], headers: list[str], save: bool
) -> ImportJob:
    """The uploader confirmed each column's field ("" = not imported); with ``save``, the choices are kept
    for the job's organisation and this kind of file, and guess its next file's columns."""
    if not may(user, "roster.import", job.node):
        raise PermissionDenied
    job.columns, job.status = list(columns), ImportStatus.PENDING
    job.save(update_fields=["columns", "status"])
    _set_progress(job.pk, status=job.status, rows=0, percent=0, phase="queued")
    if save:
        mapping = saved_columns(job.node, job.kind)
        mapping |= {header_name(h): key for h, key in zip(headers, columns, strict=True) if header_name(h)}
        RosterColumnMap.objects.update_or_create(
            node=job.node, kind=job.kind, defaults={"columns": mapping, "updated_by": user}
        )
    audit.record(
        actor=user,
        action="roster.columns",
        obj=job,
        detail={"kind": job.kind, "node": job.node.code, "saved": save,
                "ignored": sum(1 for h, k in zip(headers, columns, strict=True) if header_name(h) and not k)},
    )  # fmt: skip
    return job


def dispatch(job: ImportJob, *, language: str | None = None) -> None:
    """Start the job in the background. With Celery eager (the embedded default) the task runs on a daemon
    thread so that the page returns at once and polls; ``ROSTER_IMPORT_INLINE`` runs it in-line (tests)."""
    from xinyu.web.tasks import run_import_job

    if getattr(settings, "ROSTER_IMPORT_INLINE", False):
        run_import_job.apply(args=(job.pk, language))
    elif settings.CELERY_TASK_ALWAYS_EAGER:

        def target() -> None:
            close_old_connections()
            try:
                run_import_job.apply(args=(job.pk, language))
            finally:
                connections.close_all()

        transaction.on_commit(
            lambda: threading.Thread(target=target, name=f"roster-import-{job.pk}", daemon=True).start()
        )
    else:
        transaction.on_commit(lambda: run_import_job.delay(job.pk, language))


# ---------------------------------------------------------------------------------------------------------
# Files people download


def template_csv(kind: str) -> bytes:
    """A CSV template: the header row documents the columns. UTF-8 with BOM so that Excel shows Chinese."""
    buf = io.StringIO()
    csv.writer(buf).writerow([c.header for c in COLUMNS[kind]])
    return buf.getvalue().encode("utf-8-sig")


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = str(ImportKind(kind).label)
    ws.append([c.header for c in COLUMNS[kind]])
    for i, col in enumerate(COLUMNS[kind], start=1):
        ws.cell(row=1, column=i).font = Font(bold=True)
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, len(col.header) * 1.6)
        ws.cell(row=1, column=i).number_format = "@"
    notes = wb.create_sheet("说明")
    notes.append(["列", "必填", "说明", "示例"])
    for col in COLUMNS[kind]:
        notes.append([col.label, "是" if col.required else "否", col.hint, col.example])
    notes.append([])
    notes.append(["第一个工作表的第一行是表头，请从第二行起填写；不要以 = + - @ 开头。"])
    return _save(wb)


def report_xlsx(job: ImportJob) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(gettext("Errors"))
    ws.append([gettext("Line"), gettext("Column"), gettext("Reason")])
    for e in job.errors:
        # Our own messages never start with = + - @, but the column name echoes the file: keep it inert.
        ws.append([e.get("line") or "", safe_cell(e.get("column", "")), safe_cell(e.get("message", ""))])
    return _save(wb)


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
