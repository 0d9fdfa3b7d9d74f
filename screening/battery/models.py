"""区默认测评组合与授权 — a district's default battery and its instrument licences (issue 15, i15-battery; R5.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Node


class InstrumentLicence(models.Model):
    """A district administrator's record that the district holds a licence for an instrument."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="instrument_licences")
    instrument_id = models.CharField(_("instrument"), max_length=40)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("instrument licence")
        verbose_name_plural = _("instrument licences")
        constraints = [
            models.UniqueConstraint(fields=["district", "instrument_id"], name="licence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} @ {self.district_id}"


# --- a district's default battery (issue 15, i15-battery) ------------------------------------------------------


class DistrictBattery(models.Model):
    """区默认测评组合 — which instruments each grade of a district's new campaigns gets by default (issue 15).

    Set by the district's administrator or officer on the default-battery page; its entries replace the
    platform default (``screening.battery.selectors.PLATFORM_BATTERY``) for every campaign the district or one of its
    schools creates. A grade with no entries gets no instrument by default (the page warns when a grade whose
    students are all 10 or older has no suicide-risk items)."""

    district = models.OneToOneField(Node, models.CASCADE, related_name="default_battery")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("district default battery")
        verbose_name_plural = _("district default batteries")

    def __str__(self) -> str:
        return f"default battery @ {self.district_id}"


class DistrictBatteryEntry(models.Model):
    """One instrument a grade gets by default, in the order the students answer it."""

    battery = models.ForeignKey(DistrictBattery, models.CASCADE, related_name="entries")
    grade = models.PositiveSmallIntegerField(_("grade"))
    instrument_id = models.CharField(_("instrument"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("default battery entry")
        verbose_name_plural = _("default battery entries")
        ordering = ["grade", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["battery", "grade", "instrument_id"], name="district_battery_unique"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="district_battery_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} (grade {self.grade})"
