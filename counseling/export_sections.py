"""The counseling section of a guardian's copy of their child's records (care.guardian_export.services; PIPL Art. 45):
appointments at the school counseling room — when, where, status. Not what the appointment is about (the
student's own words to the counselor) and never session records or notes (T3/T4)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from care.guardian_export.services import Section, register_export_section
from counseling.rooms.models import Appointment
from org.models import Student, User


def appointments_section(student: Student, guardian_user: User) -> Section:
    rows = [
        {
            "when": timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"),
            "room": a.room.name,
            "status": str(a.get_status_display()),
        }
        for a in Appointment.objects.filter(student=student)
        .select_related("room")
        .order_by("starts_at", "pk")
    ]
    return Section(
        "counseling_appointments",
        _("Counseling room appointments"),
        [("when", _("Date and time")), ("room", _("Room")), ("status", _("Status"))],
        rows,
    )


def register() -> None:
    register_export_section(appointments_section)
