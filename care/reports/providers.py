"""What abnormality reports add to the foundation's pages: the home card of one's own reports, the navigation
entry to file a report, and each report on the student file (一人一档). Registered by ``register()`` in
``CareConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.tiers import Tier
from care.file.timeline import Entry, Filters
from care.models import AbnormalityReport
from care.reports import selectors as reports_selectors
from care.reports import services as reports_services
from xinyu.web.home import Card, Figure, Link
from xinyu.web.navigation import NavItem


def my_reports_card(request: HttpRequest) -> Card | None:
    """Every staff member: report a concern; their reports received and handled (never the outcome)."""
    if not reports_services.may_report(request.user):
        return None
    waiting, handled = reports_selectors.my_report_counts(request.user)
    return Card(
        title=_("Report a concern"),
        figures=[Figure(_("Received"), waiting), Figure(_("Handled"), handled)],
        links=[
            Link(_("Report a concern"), reverse("care:report_new")),
            Link(_("My reports"), reverse("care:report_mine")),
        ],
        note=_(
            "Saw a student who is not themselves? Tell the class teacher and the psychological teacher in a minute."
        ),
        order=3,
        key="my_reports",
    )


def nav_report(request: HttpRequest) -> NavItem | None:
    if not reports_services.may_report(request.user):
        return None
    return NavItem(_("Report a concern"), reverse("care:report_new"), order=6, key="report")


KINDS_REPORT = {"report": gettext_lazy("Abnormality reports")}


def reports_timeline(viewer, student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """学生异常情况报告 — each report about the student (T3: category, urgency, who reported, the triage decision;
    what was seen is read on the report's page). One query."""
    if tier < Tier.T3:
        return []
    rows = (
        AbnormalityReport.objects.filter(student=student, **filters.range("reported_at"))
        .select_related("reporter")
        .defer("observed", "triage_note")  # not shown here: no decryption per row
    )
    return [
        Entry(
            at=r.reported_at,
            kind="report",
            title=_("Abnormality report: %(category)s") % {"category": r.get_category_display()},
            school_id=r.school_id,
            summary=" · ".join(
                [
                    str(r.get_urgency_display()),
                    _("reported by %(who)s") % {"who": r.reporter or "—"},
                    str(r.get_outcome_display()) if r.outcome else _("waiting for triage"),
                ]
            ),
            url=reverse("care:report_detail", args=[r.pk]),
        )
        for r in rows
    ]


def register() -> None:
    from care.file.timeline import register_timeline_provider
    from xinyu.web.home import register_card
    from xinyu.web.navigation import register_nav_item

    register_card(my_reports_card)
    register_nav_item(nav_report)
    register_timeline_provider(reports_timeline, kinds=KINDS_REPORT)
