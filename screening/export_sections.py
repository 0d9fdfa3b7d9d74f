"""The screening sections of a guardian's copy of their child's records (care.guardian_export.services; PIPL Art. 45):
the consent decisions about the child, and results only as far as the campaign lets students and guardians see
them (``Campaign.student_view``: nothing, bands, or scores and bands). Levels, flags, critical items and
second-stage reviews are T3: never here."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from care.guardian_export.services import Section, register_export_section
from org.models import Student, User
from screening.models import Consent, Result, StudentView
from screening.presenting import score_lines, staff_name


def consent_section(student: Student, guardian_user: User) -> Section:
    rows = []
    for c in (
        Consent.objects.filter(student=student).select_related("campaign", "guardian").order_by("at", "pk")
    ):
        rows.append(
            {
                "at": timezone.localtime(c.at).strftime("%Y-%m-%d %H:%M"),
                "campaign": c.campaign.name,
                "decision": str(c.get_decision_display()),
                "by": c.guardian.name if c.guardian.user_id == guardian_user.pk else _("Another guardian"),
                "via": str(c.get_via_display()),
                "notice_version": c.notice_version,
            }
        )
    return Section(
        "screening_consent",
        _("Screening consent decisions"),
        [("at", _("Date")), ("campaign", _("Screening")), ("decision", _("Decision")), ("by", _("By")),
         ("via", _("Via")), ("notice_version", _("Notice version"))],
        rows,
    )  # fmt: skip


def results_section(student: Student, guardian_user: User) -> Section:
    rows = []
    results = (
        Result.objects.filter(response__assignment__student=student, response__status="submitted")
        .select_related("response__assignment__campaign")
        .order_by("response__submitted_at", "pk")
    )
    latest: dict[int, Result] = {}
    for r in results:  # the newest scoring of each response (re-scores keep the old versions)
        if r.response_id not in latest or r.computed_at >= latest[r.response_id].computed_at:
            latest[r.response_id] = r
    for r in latest.values():
        campaign = r.response.assignment.campaign
        shown = campaign.student_view
        row = {
            "campaign": campaign.name,
            "instrument": staff_name(r.instrument_id, r.instrument_version),
            "submitted": timezone.localtime(r.response.submitted_at).strftime("%Y-%m-%d")
            if r.response.submitted_at
            else "",
            "bands": "",
            "scores": "",
        }
        if shown == StudentView.NOTHING:
            row["bands"] = _("Not shown to students and guardians in this screening")
        else:
            # Names and band labels as the definition gives them, never the machine ids (issue 15).
            lines = score_lines(r)
            row["bands"] = "；".join(f"{s.label}：{s.band}" for s in lines if s.band)
            if shown == StudentView.SCORES:
                row["scores"] = "；".join(f"{s.label} {s.value}" for s in lines)
        rows.append(row)
    return Section(
        "screening_results",
        _("Screening participation and results shown to families"),
        [("campaign", _("Screening")), ("instrument", _("Questionnaire")), ("submitted", _("Submitted on")),
         ("bands", _("Bands")), ("scores", _("Scores"))],
        rows,
        note=_("Only what each screening lets students and guardians see; the psychological teacher's assessment is not part of this copy."),
    )  # fmt: skip


def register() -> None:
    register_export_section(consent_section)
    register_export_section(results_section)
