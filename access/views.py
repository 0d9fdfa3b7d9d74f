"""The auditor's page (审计): the trail, filtered and paginated, and its export as JSON lines.

Metadata only — who, what, which student id, when, from where, why — never the content of a record.
Anyone without ``audit.read`` gets 404: the page does not exist for them.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from access import audit
from access.policy import may
from access.routes import policy
from access.selectors import TrailFilter, audit_trail

PAGE_SIZE = 50
EXPORT_CHUNK = 2000


class TrailFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor (username)"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    student = forms.IntegerField(label=_("Student ID"), required=False, min_value=1)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def trail_filter(self) -> TrailFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return TrailFilter(
            actor=(d.get("actor") or "").strip(),
            action=(d.get("action") or "").strip(),
            student_id=d.get("student"),
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


def _auditor_only(request: HttpRequest) -> None:
    if not may(request.user, "audit.read"):
        raise Http404


@policy(None, "audit", "auditor only (audit.read): the trail's metadata, never a record's content")
@require_GET
@login_required
def trail(request: HttpRequest) -> HttpResponse:
    _auditor_only(request)
    form = TrailFilterForm(request.GET or None)
    events = audit_trail(request.user, form.trail_filter())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "access/audit_trail.html",
        {"form": form, "page": page, "query": query.urlencode(), "head_seq": audit.head()[0]},
    )


def _jsonl(events) -> str:
    for e in events.iterator(chunk_size=EXPORT_CHUNK):
        yield (
            json.dumps(
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(),
                    "actor_id": e.actor_id,
                    "actor": e.actor_label,
                    "action": e.action,
                    "object_type": e.object_type,
                    "object_id": e.object_id,
                    "student_id": e.student_id,
                    "address": e.address,
                    "reason": e.reason,
                    "detail": e.detail,
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                },
                ensure_ascii=False,
            )
            + "\n"
        )


@policy(None, "audit", "auditor only (audit.read): the trail as JSON lines, with hashes for offline checks")
@require_GET
@login_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    _auditor_only(request)
    form = TrailFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise Http404
    f = form.trail_filter()
    # The export itself is an event: who took a copy of the trail, and of which part.
    audit.record(
        actor=request.user,
        action="audit.export",
        request=request,
        detail={k: str(v) for k, v in vars(f).items() if v not in (None, "")},
    )
    response = StreamingHttpResponse(_jsonl(audit_trail(request.user, f)), content_type="application/jsonl")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.jsonl"'
    return response
