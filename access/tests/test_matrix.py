"""The persona matrix: every URL pattern and API operation, requested as every persona.

Two rules a user would state:
- "No page or API route shows anyone's data without a declared access policy": every pattern resolves to a view
  carrying ``@policy`` (access/routes.py) — a new view without one fails here.
- "Each persona gets exactly what the tier table gives them": every named route has a row in ``EXPECTED``
  (which personas are let in); everyone else is refused (404 for objects outside their scope, 403 for a page
  their role never has), and an anonymous visitor is sent to the login page (pages) or gets 401 (API).
  A new route without a row here fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from access.routes import policy_of
from access.tests.matrix_support import EVERYONE, PERSONAS, Expect

STAFF_A = frozenset({"psych", "psych_east", "class_teacher", "other_class_teacher", "teacher", "leader"})
# Since issue 19 finding 11 the district officer sees escalated students only, so imports no roster either.
ROSTER_ADMINS = frozenset({"district_admin", "city_admin", "leader"})

# Framework routes that carry no personal data. The Django admin (admin/…) is for superusers only and is
# checked in test_the_django_admin_refuses_every_persona. The health and metrics routes (xinyu/health.py,
# xinyu/metrics.py) show no person's data — liveness, service states, counts and timings — and answer
# monitoring without a session; their rules (anonymous, /metrics from loopback or with a token) are tested in
# tests/prod/test_health_and_metrics.py.
FRAMEWORK = {"set_language", "login", "logout", "healthz", "readyz", "metrics"}


@dataclass(frozen=True)
class Route:
    path: str
    name: str
    pattern: URLPattern


def walk(patterns, prefix: str = "", ns: str | None = None) -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield Route(prefix + str(p.pattern), name, p)


def app_routes() -> list[Route]:
    return [r for r in walk(get_resolver().url_patterns) if not r.path.startswith("admin/")]


def test_every_route_has_a_name_and_a_declared_access_policy():
    missing = []
    for r in app_routes():
        if r.name in FRAMEWORK:
            continue
        if not r.name:
            missing.append(f"{r.path}: unnamed")
        elif r.name.startswith("api:"):
            continue  # API operations are checked operation by operation below
        elif policy_of(r.pattern.callback) is None:
            missing.append(f"{r.path} ({r.name}): no @policy")
    assert missing == [], "routes without a declared access policy:\n" + "\n".join(missing)


# --- The matrix -----------------------------------------------------------------------------------------------
#
# For each route: who gets in (``ok`` status), what everyone else gets, and what route parameters mean. The
# objects are from conftest's world: student_a1 (class A1 of school A, 海淀), class A1, an import job that the
# 海淀 district administrator started, and a token that the 海淀 district officer owns.

# The district officer sees escalated students only (issue 19 finding 11); the district administrator keeps the roster.
SEE_A1 = frozenset({"psych", "class_teacher", "teacher", "leader", "district_admin", "student", "guardian"})  # fmt: skip
SLIPS_A1 = frozenset({"class_teacher", "leader", "district_admin"})
NOT_ROSTER_ADMINS = EVERYONE - ROSTER_ADMINS
# Slips: who sees class A1 but may not print its passwords gets 403 (a known object without the right);
# who cannot see the class at all gets 404.
SEE_A1_NO_SLIPS = frozenset({"psych", "teacher"})

ALERT_ROLES = frozenset({"psych", "psych_east", "leader", "district_counselor"})
SEE_ALERT = frozenset({"psych", "leader"})

# screening: who organises campaigns, who consents, who works the second-stage queue, who watches coverage.
ORGANISERS = frozenset({"district_officer", "district_admin", "other_district_officer", "leader"})
GUARDIANS = frozenset({"guardian", "other_guardian"})
PSYCH = frozenset({"psych", "psych_east"})
COVERAGE = frozenset(
    {"psych", "psych_east", "leader", "district_officer", "district_admin", "other_district_officer",
     "district_counselor", "city_officer", "city_admin", "supervisor"}
)  # fmt: skip

# Which students each persona finds in a roster list (checked through the audit event the list writes).
ROSTER = {
    "psych": {"a1", "a1b", "a2"},
    "psych_east": {"a2"},
    "class_teacher": {"a1", "a1b"},
    "other_class_teacher": {"a2"},
    "teacher": {"a1", "a1b", "a2"},
    "other_school_teacher": {"b1"},
    "leader": {"a1", "a1b", "a2"},
    "district_admin": {"a1", "a1b", "a2", "b1"},
    "student": {"a1"},
    "guardian": {"a1"},
    "other_guardian": {"b1"},
    "clinician": {"a1b"},  # care's matrix objects send a referral of a1b to the clinician's institution
}  # everyone else: no student at all (district and city officers — no escalated student in the world —,
#   supervisor, auditor, district counselor, …)


PAGE = {
    "web:home": Expect(EVERYONE),
    "org:school_list": Expect(EVERYONE),
    "org:class_list": Expect(EVERYONE),
    "org:student_list": Expect(EVERYONE, roster_check=True),
    "org:student_detail": Expect(SEE_A1, params=(("pk", "student_a1"),)),
    "roster:index": Expect(ROSTER_ADMINS, role_never=NOT_ROSTER_ADMINS),
    # Another roster admin's job is 404; a role that never imports is refused before the job is looked up.
    "roster:job": Expect(
        frozenset({"district_admin"}), params=(("pk", "job"),), role_never=NOT_ROSTER_ADMINS
    ),
    "roster:columns": Expect(
        frozenset({"district_admin"}), params=(("pk", "job"),), role_never=NOT_ROSTER_ADMINS
    ),
    "roster:progress": Expect(
        frozenset({"district_admin"}), params=(("pk", "job"),), role_never=NOT_ROSTER_ADMINS
    ),
    "roster:report": Expect(
        frozenset({"district_admin"}), params=(("pk", "job"),), role_never=NOT_ROSTER_ADMINS
    ),
    "roster:template": Expect(
        ROSTER_ADMINS, role_never=NOT_ROSTER_ADMINS, params=(("kind", "students"), ("fmt", "csv"))
    ),
    "slips:class": Expect(SLIPS_A1, params=(("pk", "a1"),), role_never=SEE_A1_NO_SLIPS),
    "access:trail": Expect(frozenset({"auditor"})),
    "access:export": Expect(frozenset({"auditor"})),
    # care: alerts. An open red alert for student_a1 at stage 0: school A's psych teacher and its leader (the
    # student is red now) see it; the east-campus psych teacher and the district counselor (not escalated) get
    # 404; roles that never work alerts get 403.
    "care:alert_list": Expect(ALERT_ROLES, role_never=EVERYONE - ALERT_ROLES),
    "care:alert_detail": Expect(SEE_ALERT, params=(("pk", "alert"),), role_never=EVERYONE - ALERT_ROLES),
    "care:alert_acknowledge": Expect(
        SEE_ALERT, ok=302, method="post", params=(("pk", "alert"),), role_never=EVERYONE - ALERT_ROLES
    ),
    "care:notifications": Expect(EVERYONE),
    "care:notifications_read": Expect(EVERYONE, ok=302, method="post"),
    # screening: a launched 海淀 campaign (notice rule, GAD-7) with student_a1's assignment and open response.
    "screening:campaigns": Expect(ORGANISERS, role_never=EVERYONE - ORGANISERS),
    "screening:campaign": Expect(
        frozenset({"district_officer", "district_admin"}),
        params=(("pk", "campaign"),),
        role_never=EVERYONE - ORGANISERS,
    ),
    "screening:guardian_consent": Expect(GUARDIANS, role_never=EVERYONE - GUARDIANS),
    "screening:consent_link": Expect(frozenset(), anonymous=404, params=(("token", "no-such-token"),)),
    "screening:mine": Expect(frozenset({"student"}), role_never=EVERYONE - {"student"}),
    "screening:answer": Expect(
        frozenset({"student"}), params=(("pk", "assignment"),), role_never=EVERYONE - {"student"}
    ),
    "screening:done": Expect(
        frozenset({"student"}), params=(("pk", "assignment"),), role_never=EVERYONE - {"student"}
    ),
    "screening:save_answer": Expect(
        frozenset({"student"}),
        method="post",
        params=(("pk", "response"),),
        role_never=EVERYONE - {"student"},
        body={"data": {"item": "q1", "value": 0}, "content_type": "application/json"},
    ),
    "screening:submit": Expect(
        frozenset({"student"}),
        method="post",
        params=(("pk", "response"),),
        role_never=EVERYONE - {"student"},
        body={"data": {"key": "matrix"}, "content_type": "application/json"},
    ),
    "screening:review_queue": Expect(PSYCH, role_never=EVERYONE - PSYCH),
    "screening:review": Expect(
        frozenset({"psych"}), params=(("pk", "assignment"),), role_never=EVERYONE - PSYCH
    ),
    # Marking student_a1 absent: school A's psych teacher and A1's class teacher; the east-campus psych teacher
    # and A2's class teacher get 404; every other role 403.
    "screening:mark_absent": Expect(
        frozenset({"psych", "class_teacher"}),
        ok=302,
        method="post",
        params=(("pk", "assignment"),),
        role_never=EVERYONE - PSYCH - {"class_teacher", "other_class_teacher"},
        body={"data": {"absent": "1"}},
    ),
    "screening:coverage_list": Expect(COVERAGE, role_never=EVERYONE - COVERAGE),
    "screening:coverage": Expect(
        COVERAGE - {"other_district_officer"}, params=(("pk", "campaign"),), role_never=EVERYONE - COVERAGE
    ),
    "screening:coverage_export": Expect(
        COVERAGE - {"other_district_officer"}, params=(("pk", "campaign"),), role_never=EVERYONE - COVERAGE
    ),
    "screening:results": Expect(
        COVERAGE - {"other_district_officer"}, params=(("pk", "campaign"),), role_never=EVERYONE - COVERAGE
    ),
    "screening:results_export": Expect(
        COVERAGE - {"other_district_officer"}, params=(("pk", "campaign"),), role_never=EVERYONE - COVERAGE
    ),
    # The API answers an anonymous caller 401 instead of a redirect.
    "api:openapi-json": Expect(EVERYONE, anonymous=401),
    "api:openapi-view": Expect(EVERYONE),
    "api:api-root": Expect(frozenset(), anonymous=404),
    "api:api_me": Expect(EVERYONE, anonymous=401),
    "api:api_token_list": Expect(EVERYONE, anonymous=401),
    "api:api_token_create": Expect(
        EVERYONE,
        ok=201,
        method="post",
        anonymous=401,
        body={"data": {"name": "phone"}, "content_type": "application/json"},
    ),
    "api:api_token_revoke": Expect(
        frozenset({"district_officer"}),
        ok=204,
        method="delete",
        anonymous=401,
        params=(("token_id", "token"),),
    ),
    "api:api_school_list": Expect(EVERYONE, anonymous=401),
    "api:api_class_list": Expect(EVERYONE, anonymous=401),
    "api:api_student_list": Expect(EVERYONE, anonymous=401, roster_check=True),
    "api:api_student_detail": Expect(SEE_A1, anonymous=401, params=(("student_id", "student_a1"),)),
    "api:api_import_detail": Expect(
        frozenset({"district_admin"}), anonymous=401, params=(("job_id", "job"),)
    ),
    "api:api_screening_assignments": Expect(EVERYONE, anonymous=401),
    "api:api_screening_assent": Expect(
        frozenset({"student"}),
        method="post",
        anonymous=401,
        params=(("assignment_id", "assignment"),),
        body={"data": {"agreed": True}, "content_type": "application/json"},
    ),
    "api:api_screening_response": Expect(
        frozenset({"student"}), anonymous=401, params=(("response_id", "response"),)
    ),
    "api:api_screening_answer": Expect(
        frozenset({"student"}),
        method="put",
        anonymous=401,
        params=(("response_id", "response"), ("item_id", "q1")),
        body={"data": {"value": 0}, "content_type": "application/json"},
    ),
    "api:api_screening_submit": Expect(
        frozenset({"student"}),
        method="post",
        anonymous=401,
        params=(("response_id", "response"),),
        body={"data": {"key": "matrix-api"}, "content_type": "application/json"},
    ),
}


def _app_matrix_modules() -> list:
    """Every ``matrix*.py`` module in a ``tests/`` package of an installed app — the app's own or a sub-domain's
    (``care/cases/tests/matrix_cases.py``) — found by name on disk, so access imports no app."""
    import importlib
    from pathlib import Path

    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        if config.name.startswith(("django.", "ninja")):
            continue
        root = Path(config.path)
        for path in sorted(root.glob("**/tests/matrix*.py")):
            if path.stem == "matrix_support" or ".venv" in path.parts:
                continue
            dotted = ".".join((config.name, *path.relative_to(root).with_suffix("").parts))
            found.append(importlib.import_module(dotted))
    return found


MODULES = _app_matrix_modules()
for _module in MODULES:
    _dup = PAGE.keys() & _module.PAGE.keys()
    assert not _dup, f"{_module.__name__}: rows declared twice: {sorted(_dup)}"
    PAGE.update(_module.PAGE)


def test_every_named_route_and_api_operation_has_a_row_in_the_matrix():
    from xinyu.api import operation_policies

    names = {r.name for r in app_routes() if r.name not in FRAMEWORK}
    names |= {f"api:{name}" for name, *_ in operation_policies()}
    assert sorted(names - PAGE.keys()) == [], "routes the matrix does not cover"
    assert sorted(PAGE.keys() - names) == [], "matrix rows for routes that no longer exist"


def test_every_api_operation_declares_its_access_policy():
    from xinyu.api import operation_policies

    missing = [f"{method} {path} ({name})" for name, method, path, pol in operation_policies() if pol is None]
    assert missing == []


def matrix_objects(world) -> dict:
    from access.tokens import create_token
    from org.models import ImportJob, ImportKind

    job = ImportJob.objects.create(
        kind=ImportKind.STUDENTS, node=world.haidian, created_by=world.district_admin,
        file="imports/none.csv", original_name="roster.csv",
    )  # fmt: skip
    token, _ = create_token(user=world.district_officer, name="matrix")
    # An open red alert of student_a1 at stage 0 (care's row, through the app registry: access imports no care).
    from django.apps import apps
    from django.utils import timezone

    alert = apps.get_model("care", "Alert").objects.create(
        student=world.student_a1, school=world.school_a, level="red", reasons=[], source_type="matrix",
        source_id="1", raised_at=timezone.now(), ack_deadline=timezone.now(),
    )  # fmt: skip
    screening = _screening_objects(world)
    objects = {
        "student_a1": world.student_a1,
        "a1": world.a1,
        "job": job,
        "token": token,
        **screening,
        "alert": alert,
    }
    for module in MODULES:
        if hasattr(module, "objects"):
            objects.update(module.objects(world))
    return objects


def _screening_objects(world) -> dict:
    """A launched 海淀 campaign (notice rule, GAD-7) with student_a1's assignment, assent and open response (an
    empty GAD-7 suggests no level, so the submit row raises no alert)."""
    import datetime as dt

    from django.apps import apps
    from django.utils import timezone

    model = apps.get_model
    now = timezone.now()
    campaign = model("screening", "Campaign").objects.create(
        organiser=world.haidian, school_year=world.year, name="matrix", starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1), consent_rule="notice_all", status="launched",
    )  # fmt: skip
    model("screening", "BatteryEntry").objects.create(
        campaign=campaign, grade_from=4, grade_to=12, instrument_id="gad-7", instrument_version="1.0"
    )
    assignment = model("screening", "Assignment").objects.create(
        campaign=campaign, student=world.student_a1, school=world.school_a, school_class=world.a1, grade=5,
        needs_consent=False,
    )  # fmt: skip
    model("screening", "Assent").objects.create(assignment=assignment, agreed=True)
    response = model("screening", "Response").objects.create(
        assignment=assignment, instrument_id="gad-7", instrument_version="1.0"
    )
    return {"campaign": campaign, "assignment": assignment, "response": response}


def matrix_url(name: str, expect: Expect, objects: dict) -> str:
    kwargs = {}
    for kwarg, key in expect.params:
        kwargs[kwarg] = objects[key].pk if key in objects else key
    return reverse(name, kwargs=kwargs)


def _roster_seen(world, persona: str, after_seq: int) -> set[str]:
    """The students the list showed, from the one ``student.list`` audit event this request wrote."""
    from access.models import AuditEvent

    events = list(
        AuditEvent.objects.filter(action="student.list", seq__gt=after_seq, actor=getattr(world, persona))
    )
    assert len(events) == 1, f"{persona}: a roster list must write exactly one audit event"
    ids = set(events[0].detail["ids"])
    key_of = {getattr(world, f"student_{k}").pk: k for k in ("a1", "a1b", "a2", "b1", "c1")}
    return {key_of[i] for i in ids}


TRIED: dict[str, int] = {"routes": 0, "requests": 0}  # printed by access/tests/conftest.py (docs/security.md)
REFUSALS: dict[str, int] = {"audited": 0}  # refusals found on the audit trail, printed beside TRIED


@pytest.mark.parametrize("name", sorted(PAGE))
def test_each_persona_gets_what_the_tier_table_gives_them(name, world, client, frozen_clock):
    from access.models import AuditEvent
    from conftest import school_day_at

    # School time: an alert a request raises (a confidentiality break) takes the school route whatever the hour of
    # the run (issue 15: off hours it would go to the district centre and open the student to its counselors).
    frozen_clock(school_day_at(10))

    expect = PAGE[name]
    objects = matrix_objects(world)
    url = matrix_url(name, expect, objects)
    request = getattr(client, expect.method)

    got, wanted = {}, {}
    client.logout()
    got["anonymous"], wanted["anonymous"] = request(url, **expect.body).status_code, expect.anonymous
    wrong_rosters, unaudited = {}, {}
    # A 404 is a refusal on a route that shows people's data or names an object (as the audit middleware counts);
    # a public route that is switched off (single sign-on unconfigured) just is not there.
    match = resolve(url.split("?")[0])
    declared = policy_of(match.func)
    shows_data = declared is None or declared.tier is not None or bool(match.kwargs)
    for persona in PERSONAS:
        client.force_login(getattr(world, persona))
        last_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        status = request(url, **expect.body).status_code
        got[persona] = status
        wanted[persona] = (
            expect.ok if persona in expect.allowed else 403 if persona in expect.role_never else expect.denied
        )
        if expect.roster_check and status == 200:
            seen = _roster_seen(world, persona, last_seq)
            if seen != ROSTER.get(persona, set()):
                wrong_rosters[persona] = seen
        if status == 403 or (status == 404 and shows_data):  # issue 19 finding 4: every refusal, once
            refusals = [
                e.action
                for e in AuditEvent.objects.filter(seq__gt=last_seq, actor=getattr(world, persona))
                if e.action == "access.denied" or e.action.endswith(("refused", "_denied"))
            ]
            if len(refusals) != 1:
                unaudited[persona] = refusals
        client.logout()
    TRIED["routes"] += 1
    TRIED["requests"] += len(got)
    REFUSALS["audited"] += sum(
        1 for p in PERSONAS if (got[p] == 403 or (got[p] == 404 and shows_data)) and p not in unaudited
    )
    assert got == wanted
    assert wrong_rosters == {}, "students seen in the roster list differ from the tier table"
    assert unaudited == {}, "a refusal (403/404) without exactly one audit event"


def test_the_django_admin_refuses_every_persona(world, client):
    for persona in PERSONAS:
        client.force_login(getattr(world, persona))
        response = client.get("/admin/org/student/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], persona
