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
from access.audit_words import action_label, object_label
from access.auth import recent_auth
from access.policy import may
from access.routes import policy
from access.selectors import TrailFilter, audit_trail
from xinyu.lists import first_rows

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


def refused_404(request: HttpRequest) -> None:
    """The page does not exist for this user (404), but the attempt is on the trail (issue 8: failed
    authorisations recorded) — someone without the duty probing the auditor's or the security pages."""
    match = getattr(request, "resolver_match", None)
    audit.record(
        actor=request.user,
        action="access.denied",
        request=request,
        detail={"route": match.view_name if match else "", "method": request.method},
    )
    raise Http404


def _auditor_only(request: HttpRequest) -> None:
    if not may(request.user, "audit.read"):
        refused_404(request)


@policy(None, "audit", "auditor only (audit.read): the trail's metadata, never a record's content")
@require_GET
@login_required
def trail(request: HttpRequest) -> HttpResponse:
    _auditor_only(request)
    form = TrailFilterForm(request.GET or None)
    events = audit_trail(request.user, form.trail_filter())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for e in page.object_list:  # in words on the page; the codes stay in filters and the export (issue 20)
        e.action_label, e.object_label = action_label(e.action), object_label(e.object_type)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "access/audit_trail.html",
        {"form": form, "page": page, "query": query.urlencode(), "head_seq": audit.head()[0]},
    )


def _jsonl(events) -> str:
    for e in events.iterator(chunk_size=EXPORT_CHUNK):
        yield json.dumps(audit.as_json(e), ensure_ascii=False) + "\n"


@policy(None, "audit", "auditor only (audit.read): the trail as JSON lines, with hashes for offline checks")
@require_GET
@login_required
@recent_auth()  # issue 8: re-authentication before exports and key operations
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


# --- Break-glass (紧急调阅): request with re-authentication, the leader's review queue ----------------------------

MINUTE_CHOICES = [(15, "15"), (30, "30"), (60, "60"), (120, "120"), (240, "240"), (480, "480")]


class BreakGlassForm(forms.Form):
    student_no = forms.CharField(label=_("Student number (学籍号)"), max_length=19)
    reason = forms.CharField(
        label=_("Why you need this student's records now"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
    )
    minutes = forms.TypedChoiceField(
        label=_("For how many minutes"), choices=MINUTE_CHOICES, coerce=int, initial=60
    )
    password = forms.CharField(
        label=_("Your password, again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, with_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_code:  # a user with a second factor gives its code too (re-authentication, issue 8)
            from access.auth_views import CodeForm

            self.fields["code"] = CodeForm.base_fields["code"]


@policy(None, "self", "break-glass: a stated reason, the password again; opens one student for a time")
@login_required
def break_glass(request: HttpRequest) -> HttpResponse:
    """紧急调阅 — a psychological teacher, district counselor or leader opens one student's records outside
    their scope, for a time, with a reason, after typing their password again (issue 8). The leader of the
    student's school is told and must review it."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.shortcuts import redirect

    from access.models import BreakGlassGrant
    from access.policy import BREAK_GLASS_ROLES, roles_of
    from access.services import request_break_glass
    from org.models import Student

    if not roles_of(request.user) & BREAK_GLASS_ROLES:
        raise PermissionDenied
    from access import mfa
    from access.auth import PasswordAgainRefused, check_password_again

    has_factor = mfa.factor_of(request.user) is not None
    form = BreakGlassForm(request.POST or None, with_code=has_factor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        student = Student.objects.filter(student_no=d["student_no"].strip().upper()).first()
        try:  # wrong passwords and codes here count like at the login (access.throttle)
            check_password_again(
                user=request.user,
                password=d["password"],
                purpose="break_glass",
                request=request,
                clear=not has_factor,
            )
            refused = None
        except PasswordAgainRefused as exc:
            refused = exc
        if refused is not None:
            form.add_error(None if refused.wait else "password", str(refused))
        elif has_factor and not mfa.verify(
            user=request.user, code=d["code"], request=request, purpose="break_glass"
        ):
            form.add_error("code", _("The code is not right. Type the code your app shows now."))
        elif student is None:
            form.add_error("student_no", _("No student has this number."))
        else:
            try:
                grant = request_break_glass(
                    user=request.user,
                    student=student,
                    reason=d["reason"],
                    minutes=d["minutes"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error("reason", exc)
            except (
                PermissionDenied
            ) as exc:  # a student outside the user's jurisdiction: said, audited, nothing granted
                form.add_error("student_no", str(exc))
            else:
                messages.warning(
                    request,
                    _("Break-glass access is open until %(time)s. The school leader has been told.")
                    % {"time": timezone.localtime(grant.expires_at).strftime("%H:%M")},
                )
                return redirect("org:student_detail", pk=student.pk)
    mine = first_rows(
        BreakGlassGrant.objects.filter(user=request.user).select_related("student").order_by("-granted_at"),
        request,
        20,
    )
    return render(
        request,
        "access/break_glass.html",
        {"form": form, "mine": mine.rows, "mine_part": mine, "now": timezone.now()},
    )


@policy(None, "school", "the school leader's review queue of break-glass grants on their students")
@login_required
def break_glass_review(request: HttpRequest) -> HttpResponse:
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import redirect

    from access.policy import roles_of
    from access.selectors import break_glass_review_queue, reads_under_grant
    from access.services import review_break_glass
    from org.models import Role

    if Role.SCHOOL_LEADER not in roles_of(request.user):
        raise PermissionDenied
    queue = break_glass_review_queue(request.user)
    if request.method == "POST":
        grant = queue.filter(pk=request.POST.get("grant") or 0).first()
        if grant is None:
            raise Http404
        review_break_glass(grant=grant, by=request.user, note=request.POST.get("note", ""))
        return redirect("access:break_glass_review")
    part = first_rows(queue, request, 100)
    rows = part.rows
    for g in rows:
        g.reads = reads_under_grant(g)
    audit.record(
        actor=request.user, action="break_glass.queue.view", request=request, detail={"rows": len(rows)}
    )
    return render(request, "access/break_glass_review.html", {"rows": rows, "rows_part": part})
