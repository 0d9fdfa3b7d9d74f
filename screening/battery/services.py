"""Writes of a district's default battery and licences (issue 15, i15-battery): keyword-only, policy-checked,
audited."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from access.policy import posts_of
from org.models import Node, Role, User
from screening.battery.models import DistrictBattery, DistrictBatteryEntry, InstrumentLicence
from screening.battery.selectors import battery_districts, catalogue_ids, suicide_risk_gaps
from screening.campaigns.presenting import text
from screening.campaigns.services import ScreeningError


def record_licence(*, by: User, district: Node, instrument_id: str, note: str = "") -> InstrumentLicence:
    """A district administrator records that the district holds the licence for an instrument."""
    if not any(p.role == Role.DISTRICT_ADMIN and p.node_id == district.pk for p in posts_of(by)):
        raise ScreeningError(_("Only the district administrator may record a licence."), 403)
    if instrument_id not in catalogue_ids():
        raise ScreeningError(_("Unknown instrument."))
    from access import audit

    with transaction.atomic():
        lic, _created = InstrumentLicence.objects.update_or_create(
            district=district, instrument_id=instrument_id, defaults={"recorded_by": by, "note": note}
        )
        audit.record(
            actor=by, action="screening.licence.record", obj=lic, detail={"instrument": instrument_id}
        )
    return lic


def set_district_battery(
    *, by: User, district: Node, per_grade: dict[int, list[str]], request: HttpRequest | None = None
) -> DistrictBattery:
    """Replace the district's default battery (grade → instrument ids in answering order) — all or nothing.

    Only the district's administrator or officer; every instrument must exist and be meant for the grade (its
    definition's grade range); audited. Campaigns already created keep their battery."""
    from access import audit
    from screening.instruments import load

    if district not in battery_districts(by):
        raise ScreeningError(
            _("Only the district's administrator or officer may set its default battery."), 403
        )
    known = catalogue_ids()
    clean: dict[int, list[str]] = {}
    for grade, ids in sorted(per_grade.items()):
        if not isinstance(grade, int) or not 1 <= grade <= 12:
            raise ScreeningError(_("The grades must run from 1 to 12, the first no higher than the last."))
        seen: list[str] = []
        for iid in ids:
            if iid not in known:
                raise ScreeningError(_("Unknown instrument."))
            inst = load(iid)
            if not inst.min_grade <= grade <= inst.max_grade:
                raise ScreeningError(
                    _("%(name)s is meant for grades %(lo)d to %(hi)d, not grade %(grade)d.")
                    % {
                        "name": text(inst.title),
                        "lo": inst.min_grade,
                        "hi": inst.max_grade,
                        "grade": grade,
                    }
                )
            if iid not in seen:
                seen.append(iid)
        if seen:
            clean[grade] = seen
    with transaction.atomic():
        # Two saves at once: the second waits for the first, then replaces its entries whole.
        battery, _created = DistrictBattery.objects.get_or_create(district=district)
        battery = DistrictBattery.objects.select_for_update().get(pk=battery.pk)
        before: dict[int, list[str]] = {}
        for e in battery.entries.all():
            before.setdefault(e.grade, []).append(e.instrument_id)
        battery.entries.all().delete()
        DistrictBatteryEntry.objects.bulk_create(
            [
                DistrictBatteryEntry(battery=battery, grade=g, instrument_id=iid, order=n)
                for g, ids in clean.items()
                for n, iid in enumerate(ids, start=1)
            ]
        )
        battery.updated_by = by
        battery.save(update_fields=["updated_by", "updated_at"])
        audit.record(
            actor=by,
            action="screening.default_battery.set",
            obj=battery,
            request=request,
            detail={
                "before": {str(g): ids for g, ids in before.items()},
                "after": {str(g): ids for g, ids in clean.items()},
                "warned_grades": suicide_risk_gaps(clean),
            },
        )
    return battery
