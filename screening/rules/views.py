"""预警规则 — the page where a district's clinical leads read and change its level rules (issue 15)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from access.routes import policy
from screening.campaigns.services import ScreeningError
from screening.rules import selectors, services


def _rule_district(request: HttpRequest, pk: int | None = None):
    """The district whose rules the user edits: 403 for a role that never edits rules, 404 for another district."""
    districts = selectors.rule_districts(request.user)
    if not districts:
        raise PermissionDenied
    if pk is None:
        return districts[0]
    found = next((d for d in districts if d.pk == pk), None)
    if found is None:
        raise Http404
    return found


@login_required
@policy(None, "level-rules", "the user's own district's level rules; no one's personal data")
def level_rules_home(request: HttpRequest) -> HttpResponse:
    return redirect("screening:level_rules", pk=_rule_district(request).pk)


@login_required
@policy(
    None,
    "level-rules",
    "a district's level rules, their versions and who changed them; no one's personal data",
)
def level_rules(request: HttpRequest, pk: int) -> HttpResponse:
    """预警规则 — the rules in force as a table, an editor (rows, a required reason, a confirmation before saving),
    "restore defaults", and every version with who, when, why and what changed (issue 15, docs/alerts.md)."""
    from screening.instruments.scoring import LevelRules
    from screening.rules import forms
    from screening.rules.level_rules import diff, parse, rules_json, table

    district = _rule_district(request, pk)
    history = selectors.level_rule_history(district)
    in_force = history[0].parsed if history else LevelRules.default()
    based_on = history[0].version if history else 0
    action = request.POST.get("action", "") if request.method == "POST" else ""
    reason_form = forms.ReasonForm(request.POST or None) if action else forms.ReasonForm()
    formset = forms.RuleRowFormSet(
        request.POST if action == "preview" else None,
        initial=forms.initial_rows(in_force),
        prefix="rule",
    )
    errors: list[str] = []
    if action in {"preview", "defaults"}:
        reason_ok = reason_form.is_valid()
        if action == "defaults":
            new, rule_errors = LevelRules.default(), []
        elif formset.is_valid():
            rows = [f.rule() for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            new, rule_errors = parse({"rules": rows})
        else:
            new, rule_errors = None, [_("Please check the rows marked below.")]
        errors = rule_errors + ([] if reason_ok else [_("Give a reason for the change.")])
        if new is not None and not diff(in_force, new).changed:
            errors.append(_("These rules are the same as the rules in force: there is nothing to save."))
        if not errors:
            return render(
                request,
                "screening/level_rules_confirm.html",
                {
                    "district": district,
                    "rows": table(new),
                    "diff": diff(in_force, new),
                    "rules_json": json.dumps(rules_json(new), ensure_ascii=False),
                    "reason": reason_form.cleaned_data["reason"],
                    "based_on": based_on,
                    "restore_defaults": action == "defaults",
                },
            )
    elif action == "save":
        try:
            saved = services.change_level_rules(
                by=request.user,
                district=district,
                rules=json.loads(request.POST.get("rules") or "null"),
                reason=request.POST.get("reason", ""),
                based_on=int(request.POST.get("based_on") or 0),
                restore_defaults=request.POST.get("restore_defaults") == "1",
                request=request,
            )
        except services.RuleSetProblems as exc:
            errors = exc.messages
        except (ValueError, TypeError):
            errors = [_("The rules could not be read. Please check every row.")]
        except ScreeningError as exc:
            if exc.status == 403:
                raise PermissionDenied from None
            errors = [exc.message]
        else:
            messages.success(
                request,
                _("Version %(version)s of the level rules is in force: questionnaires submitted from now on are "
                  "rated by it; results already given keep their level.") % {"version": saved.version},
            )  # fmt: skip
            return redirect("screening:level_rules", pk=district.pk)
    versions = []
    for i, rs in enumerate(history):
        before = history[i + 1].parsed if i + 1 < len(history) else LevelRules.default()
        versions.append({"set": rs, "rows": table(rs.parsed), "diff": diff(before, rs.parsed)})
    return render(
        request,
        "screening/level_rules.html",
        {
            "district": district,
            "current": history[0] if history else None,
            "rows": table(in_force),
            "formset": formset,
            "reason_form": reason_form,
            "based_on": based_on,
            "errors": errors,
            "versions": versions,
            "defaults": table(LevelRules.default()),
        },
        status=400 if errors else 200,
    )
