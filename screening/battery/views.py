"""Pages of a district's instrument licences and default battery (issue 15, i15-battery; R5.1)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from access.routes import policy
from screening.battery import selectors, services
from screening.campaigns.presenting import text
from screening.campaigns.services import ScreeningError
from screening.campaigns.views import error_response


@login_required
@policy(None, "licence", "a district's instrument licences; its administrator records one")
def licences(request: HttpRequest) -> HttpResponse:
    """授权 — which licensed instruments the district holds. The administrator records a licence; the district
    officer (who publishes campaigns) sees what is missing and who can record it (issue 15, point 6)."""
    districts = selectors.battery_districts(request.user)
    if not districts:
        raise PermissionDenied
    district = districts[0]
    if request.method == "POST":
        try:
            services.record_licence(
                by=request.user,
                district=district,
                instrument_id=request.POST["instrument_id"],
                note=request.POST.get("note", "")[:2000],
            )
        except KeyError:
            return render(
                request, "screening/error.html", {"message": _("Please check the form.")}, status=400
            )
        except ScreeningError as exc:
            return error_response(exc, request)
        from screening.campaigns.presenting import staff_name

        messages.success(
            request,
            _("The licence for %(name)s is recorded: campaigns of the district may now use it.")
            % {"name": staff_name(request.POST["instrument_id"])},
        )
        return redirect("screening:licences")
    return render(request, "screening/licences.html", selectors.licence_page(request.user, district))


def _battery_form(per_grade: dict[int, list[str]], unlicensed: set[str]) -> list[dict]:
    """Grades 4–12, each with the instruments meant for it (the definition's grade range), which are chosen, and
    which still need a licence the district has not recorded (``unlicensed``)."""
    from screening.campaigns.presenting import grade_name
    from screening.instruments import load

    risky = selectors.suicide_risk_instruments()
    known = selectors.catalogue_ids()
    order = [i for i in selectors.BATTERY_PAGE_ORDER if i in known]
    order += sorted(set(known) - set(order))
    defs = [load(i) for i in order]
    return [
        {
            "grade": g,
            "name": grade_name(g),
            "choices": [
                {
                    "id": d.id,
                    "title": text(d.title),
                    "checked": d.id in per_grade.get(g, []),
                    "suicide_risk": d.id in risky,
                    "needs_licence": d.id in unlicensed,
                }
                for d in defs
                if d.min_grade <= g <= d.max_grade
            ],
        }
        for g in selectors.BATTERY_PAGE_GRADES
    ]


@login_required
@policy(None, "district", "a district's default battery for its new campaigns; no one's personal data")
def default_battery(request: HttpRequest) -> HttpResponse:
    """区默认测评组合 — the district administrator or officer sets which instruments each grade of the district's new
    campaigns gets (issue 15). A grade whose students are all 10 or older without suicide-risk items is warned
    about, not refused."""
    from screening.campaigns.presenting import grade_name

    districts = selectors.battery_districts(request.user)
    if not districts:
        raise PermissionDenied
    district = districts[0]
    status = 200
    if request.method == "POST":
        per_grade = {g: request.POST.getlist(f"grade_{g}") for g in selectors.BATTERY_PAGE_GRADES}
        # the page lists instruments in one order: a student answers them in it
        rank = {iid: n for n, iid in enumerate(selectors.BATTERY_PAGE_ORDER)}
        per_grade = {g: sorted(ids, key=lambda i: rank.get(i, len(rank))) for g, ids in per_grade.items()}
        try:
            services.set_district_battery(
                by=request.user, district=district, per_grade=per_grade, request=request
            )
        except ScreeningError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(
                request, _("The default battery is saved: new campaigns of the district start from it.")
            )
            gaps = selectors.suicide_risk_gaps(per_grade)
            if gaps:
                messages.warning(
                    request,
                    _(
                        "%(grades)s: every student is 10 or older, yet no suicide-risk questions (such as the ASQ) "
                        "are in the default. It is saved; please make sure this is intended."
                    )
                    % {"grades": "、".join(grade_name(g) for g in gaps)},
                )
            return redirect("screening:default_battery")
    current = selectors.district_default_battery(district)
    return render(
        request,
        "screening/default_battery.html",
        {
            "district": district,
            "grades": _battery_form(current, set(selectors.licences_needed(district))),
            "own": selectors.district_battery_of(district),
            "gaps": [grade_name(g) for g in selectors.suicide_risk_gaps(current)],
        },
        status=status,
    )
