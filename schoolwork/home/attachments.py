"""附件 — uploads for parent sessions, leadership meetings, district plans, excellent cases and resources.

A file is checked by its CONTENT (``filetype`` reads the magic bytes) and by size (``settings.
ATTACHMENT_MAX_BYTES``): a ``.pdf`` that is really HTML or a program is refused, and so is a file whose name
says one type while its bytes say another. Files live under MEDIA_ROOT (``var/``), which nothing serves; the
attachment view streams them after asking the owning record's access rule (``OWNERS`` below).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from org.models import User
from schoolwork.home import selectors
from schoolwork.home.models import (
    Attachment,
    DistrictPlan,
    ExcellentCase,
    LeadershipMeeting,
    ParentSession,
    Resource,
)
from schoolwork.home.services import HomeSchoolError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# extension → the MIME type its content must have (what filetype reports).
ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass(frozen=True)
class Owner:
    """How to find an attachment's owner for a user: read (404 if not) and whether they may add files."""

    model: type[models.Model]
    get_for_read: Callable[[User, int], models.Model]
    may_add: Callable[[User, models.Model], bool]


def _school_staff(user: User, obj) -> bool:
    return any(s.pk == obj.school_id for s in selectors.staff_schools(user))


def _plan_author(user: User, plan: DistrictPlan) -> bool:
    return plan.district in selectors.plan_districts(user)


def _resource_publisher(user: User, r: Resource) -> bool:
    return r.published_by_id == user.pk


OWNERS: dict[str, Owner] = {
    "parent_session": Owner(ParentSession, selectors.get_session_or_404, _school_staff),
    "meeting": Owner(LeadershipMeeting, selectors.get_meeting_or_404, _school_staff),
    "plan": Owner(DistrictPlan, selectors.get_plan_or_404, _plan_author),
    "case": Owner(ExcellentCase, selectors.get_case_or_404, _school_staff),
    "resource": Owner(Resource, selectors.get_resource_or_404, _resource_publisher),
}


def owner_kind(obj: models.Model) -> str:
    return next(k for k, o in OWNERS.items() if isinstance(obj, o.model))


def attachments_of(obj: models.Model) -> list[Attachment]:
    return list(Attachment.objects.filter(owner_type=owner_kind(obj), owner_id=obj.pk))


def attachments_by_owner(kind: str, ids: list[int]) -> dict[int, list[Attachment]]:
    """For a list page: every owner's attachments in one query."""
    out: dict[int, list[Attachment]] = {}
    for a in Attachment.objects.filter(owner_type=kind, owner_id__in=ids):
        out.setdefault(a.owner_id, []).append(a)
    return out


def max_bytes() -> int:
    return getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_file(upload: UploadedFile) -> tuple[str, str]:
    """(extension, MIME type) of an acceptable upload, or a clear :class:`HomeSchoolError`."""
    name = os.path.basename(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise HomeSchoolError(_("Only PDF, image and Office files can be attached."))
    if upload.size is None or upload.size == 0:
        raise HomeSchoolError(_("The file is empty."))
    if upload.size > max_bytes():
        raise HomeSchoolError(
            _("The file is too large (at most %(mb)s MB).") % {"mb": max_bytes() // (1024 * 1024)}, 413
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime != ALLOWED[ext]:
        raise HomeSchoolError(_("The file's content is not what its name says (.%(ext)s).") % {"ext": ext})
    return ext, kind.mime


def add_attachment(
    *, user: User, owner: models.Model, upload: UploadedFile, now: dt.datetime | None = None
) -> Attachment:
    """Attach a checked file to ``owner`` (the caller found ``owner`` through its read rule; adding asks the
    owner's ``may_add``). Nothing is stored when the file is refused."""
    now = now or timezone.now()
    kind = owner_kind(owner)
    if not OWNERS[kind].may_add(user, owner):
        raise HomeSchoolError(_("You may not do this."), 403)
    ext, mime = check_file(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        a = Attachment(
            owner_type=kind,
            owner_id=owner.pk,
            original_name=os.path.basename(upload.name)[:200],
            content_type=mime,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
            uploaded_at=now,
        )
        a.file.save(f"{digest.hexdigest()[:16]}.{ext}", upload, save=False)
        try:
            a.save()
            audit.record(
                actor=user, action="schoolwork.attachment.add", obj=a, detail={"owner": kind, "size": a.size}
            )
        except Exception:
            a.file.delete(save=False)
            raise
    return a


def get_attachment_or_404(user: User, pk: int) -> Attachment:
    """An attachment whose owner the user may read; anything else is 404."""
    a = Attachment.objects.filter(pk=pk).first()
    if a is None or a.owner_type not in OWNERS:
        raise Http404
    OWNERS[a.owner_type].get_for_read(user, a.owner_id)
    return a
