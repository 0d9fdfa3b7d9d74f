"""校历 — the days of the school calendar that differ from the ordinary week (R3, R4.2, R1.3).

One row says what a day is at one node of the tree: a public holiday (放假), a make-up working day (调休上班) or
an exam day (考试). Rows without a node are the national calendar, filled from the State Council's notices by
the ``chinesecalendar`` package (``org.calendar.services.load_national_holidays``); a district's rows override
them for its schools, and a school's rows override its district's (a deeper node wins). Readers never look at
rows directly: ``org.calendar.selectors.is_school_day`` / ``school_days`` / ``SchoolCalendar`` answer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = (
        "holiday",
        _("Public holiday"),
    )  # 法定节假日（含调休放假）, or a day off the district/school gives
    WORKDAY = "workday", _("Make-up working day")  # 调休上班: a school day even at the weekend
    EXAM = "exam", _("Exam day")  # 考试: a school day, and the exam weeks of the key times (R3.3)


class CalendarDay(models.Model):
    """节假日安排 — one day that differs from the ordinary week, at one node (``None``: the national calendar)."""

    node = models.ForeignKey(
        "org.Node",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_days",
        verbose_name=_("organisation"),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=40)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.UniqueConstraint(fields=["node", "date"], name="calendar_day_per_node"),
            models.UniqueConstraint(
                fields=["date"], condition=Q(node__isnull=True), name="calendar_day_national"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.kind})"


class DistrictSemester(models.Model):
    """区学期 — a district's own dates for one of the city's semesters (issue 18). A semester is one thing city-wide
    (lessons, home visits and the supervision figures are counted per semester); a district without a row here
    keeps the city's dates, a district with one keeps its own. ``org.calendar.selectors.semester_for`` and
    ``semesters_of`` answer with the district's dates applied."""

    semester = models.ForeignKey(
        "org.Semester", models.CASCADE, related_name="district_dates", verbose_name=_("semester")
    )
    district = models.ForeignKey(
        "org.Node", models.CASCADE, related_name="own_semesters", verbose_name=_("district")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    teaching_weeks = models.PositiveSmallIntegerField(_("teaching weeks"), default=18)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("district semester dates")
        verbose_name_plural = _("district semester dates")
        constraints = [
            models.UniqueConstraint(fields=["semester", "district"], name="district_semester_once"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="district_semester_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.semester}"
