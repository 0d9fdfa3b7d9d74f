"""The home–school sections of a guardian's copy of their child's records (care.guardian_export.services; PIPL Art. 45):
home visits to the family (date, how, who went, the non-clinical summary — never the sensitive note, T3) and the
parent sessions the household attended."""

from __future__ import annotations

from django.utils.translation import gettext as _

from care.guardian_export.services import Section, register_export_section
from org.models import Student, User
from schoolwork.models_home import HomeVisit, ParentAttendance


def home_visits_section(student: Student, guardian_user: User) -> Section:
    rows = [
        {
            "date": v.visited_on.isoformat(),
            "mode": str(v.get_mode_display()),
            "visitors": v.visitors,
            "summary": v.summary,
        }
        for v in HomeVisit.objects.filter(student=student).order_by("visited_on", "pk")
    ]
    return Section(
        "home_visits",
        _("Home visits"),
        [("date", _("Date")), ("mode", _("How")), ("visitors", _("Who went")), ("summary", _("Summary"))],
        rows,
    )


def parent_sessions_section(student: Student, guardian_user: User) -> Section:
    rows = [
        {"date": a.session.held_on.isoformat(), "title": a.session.title, "school": a.session.school.name}
        for a in ParentAttendance.objects.filter(student=student)
        .select_related("session__school")
        .order_by("session__held_on", "pk")
    ]
    return Section(
        "parent_sessions",
        _("Parent sessions attended"),
        [("date", _("Date")), ("title", _("Topic")), ("school", _("School"))],
        rows,
    )


def register() -> None:
    register_export_section(home_visits_section)
    register_export_section(parent_sessions_section)
