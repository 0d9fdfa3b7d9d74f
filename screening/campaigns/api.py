"""The screening flow in the JSON API (issue 3, deliverable 10): a student's assignments, assent, the items of a
questionnaire, autosave of one answer, submit exactly once. Same services as the pages, so the rules are the same:
another student's response is 404, bad input 4xx with nothing stored, a double submit returns the same result."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError

from access import audit
from access.api import MAX_ID, caller
from access.routes import policy
from access.tiers import Tier
from screening.campaigns import selectors, services
from screening.campaigns.models import ResponseStatus
from screening.campaigns.services import ScreeningError

router = Router(tags=["screening"])


class ResponseRef(Schema):
    id: int
    instrument_id: str
    instrument_version: str
    title: str = Field("", description="The questionnaire's neutral title as the student reads it")
    status: str

    @staticmethod
    def resolve_title(obj) -> str:
        from screening.campaigns.presenting import student_name

        get = obj.get if isinstance(obj, dict) else lambda k: getattr(obj, k)
        return student_name(get("instrument_id"), get("instrument_version"))


class AssignmentOut(Schema):
    id: int
    campaign: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    may_start: bool = Field(description="Guardian consent given, or the notice rule without a refusal")
    assented: bool | None = Field(description="null: the student has not answered the assent question yet")
    responses: list[ResponseRef]


class AssentIn(Schema):
    agreed: bool


class OptionOut(Schema):
    value: int
    label: str


class ItemOut(Schema):
    id: str
    text: str
    options: list[OptionOut]
    refusable: bool
    visible: bool
    answer: int | Literal["refused"] | None


class QuestionnaireOut(Schema):
    id: int
    instrument_id: str
    instrument_version: str
    title: str
    status: str
    items: list[ItemOut]


class AnswerIn(Schema):
    value: int | Literal["refused"] | None = Field(description='An option value, "refused", or null')
    seconds: float | None = Field(None, ge=0, le=86400)
    version: str | None = Field(None, max_length=20, description="The instrument version the page shows")


class AnswerOut(Schema):
    item: str
    visible: list[str]


class SubmitIn(Schema):
    key: str = Field(
        min_length=1, max_length=64, description="Idempotency key: a retry with it returns the result"
    )


class SubmitOut(Schema):
    result: int
    created: bool
    acute: bool = Field(description="Show the 'tell the teacher in the room now / stay here' screen")


def _fail(exc: ScreeningError) -> HttpError:
    return HttpError(exc.status, exc.message)


def _text(value) -> str:
    lang = (get_language() or "zh-hans").lower()
    key = "zh-hans" if lang.startswith("zh") else "en"
    return value.get(key) or value.get("zh-hans") or value.get("en") or "" if isinstance(value, dict) else ""


@router.get(
    "/screening/assignments",
    response=list[AssignmentOut],
    url_name="api_screening_assignments",
    summary="My screenings (student)",
)
@policy(Tier.T1, "self", "the student's own assignments")
def my_assignments(request: HttpRequest) -> list[dict]:
    user = caller(request)
    out = []
    for a in selectors.student_assignments(user).prefetch_related("responses"):
        assent = getattr(a, "assent", None)
        out.append(
            {
                "id": a.pk,
                "campaign": a.campaign.name,
                "starts_at": a.campaign.starts_at,
                "ends_at": a.campaign.ends_at,
                "may_start": services.may_start(a),
                "assented": None if assent is None else assent.agreed,
                "responses": [
                    {
                        "id": r.pk,
                        "instrument_id": r.instrument_id,
                        "instrument_version": r.instrument_version,
                        "status": r.status,
                    }
                    for r in a.responses.all()
                ],  # fmt: skip
            }
        )
    return out


@router.post(
    "/screening/assignments/{assignment_id}/assent",
    response=list[ResponseRef],
    url_name="api_screening_assent",
    summary="Agree (or decline) to take part; agreeing opens the questionnaires",
)
@policy(Tier.T1, "self", "the student's own assent")
def assent(request: HttpRequest, payload: AssentIn, assignment_id: int = Path(..., ge=1, le=MAX_ID)) -> list:
    user = caller(request)
    try:
        a = services.student_assignment(user=user, assignment_id=assignment_id)
        responses = services.record_assent(user=user, assignment=a, agreed=payload.agreed)
    except ScreeningError as exc:
        raise _fail(exc) from None
    return responses


@router.get(
    "/screening/responses/{response_id}",
    response=QuestionnaireOut,
    url_name="api_screening_response",
    summary="A questionnaire's items and my answers so far (resume)",
)
@policy(Tier.T3, "self", "the student's own answers")
def questionnaire(request: HttpRequest, response_id: int = Path(..., ge=1, le=MAX_ID)) -> dict:
    from screening.instruments.scoring import REFUSED, visible_items

    user = caller(request)
    try:
        r = services._own_response(user, response_id)
        if (
            r.status == ResponseStatus.OPEN
        ):  # issue 15: a critical questionnaire opens only in its answering hours
            services.check_may_open(r)
    except ScreeningError as exc:
        raise _fail(exc) from None
    inst = services._instrument(r.instrument_id, r.instrument_version)
    answers = services.answers_of(r)
    shown = {i.id for i in visible_items(inst, answers)}
    audit.record(actor=user, action="screening.answer.view", obj=r, student_id=r.assignment.student_id,
                 request=request, detail={"via": "api"})  # fmt: skip
    return {
        "id": r.pk,
        "instrument_id": r.instrument_id,
        "instrument_version": r.instrument_version,
        "title": _text(inst.student_title),  # the neutral title: a student never reads the clinical one
        "status": r.status,
        "items": [
            {
                "id": i.id,
                "text": _text(i.text),
                "options": [{"value": o.value, "label": _text(o.label)} for o in i.response_set],
                "refusable": i.refusable,
                "visible": i.id in shown,
                "answer": REFUSED if answers.get(i.id) == REFUSED else answers.get(i.id),
            }
            for i in inst.items
        ],
    }


@router.put(
    "/screening/responses/{response_id}/answers/{item_id}",
    response=AnswerOut,
    url_name="api_screening_answer",
    summary="Autosave one answer (idempotent per item)",
)
@policy(Tier.T3, "self", "autosave of the student's own answer")
def save_answer(
    request: HttpRequest,
    payload: AnswerIn,
    response_id: int = Path(..., ge=1, le=MAX_ID),
    item_id: str = Path(..., max_length=40),
) -> dict:
    user = caller(request)
    try:
        ans = services.save_answer(
            user=user,
            response_id=response_id,
            item_id=item_id,
            value=payload.value,
            seconds=payload.seconds,
            instrument_version=payload.version,
        )
    except ScreeningError as exc:
        raise _fail(exc) from None
    return {"item": ans.item_id, "visible": services.visible_item_ids(ans.response)}


@router.post(
    "/screening/responses/{response_id}/submit",
    response=SubmitOut,
    url_name="api_screening_submit",
    summary="Submit exactly once (a retry with the same key returns the same result)",
)
@policy(Tier.T3, "self", "submit of the student's own questionnaire")
def submit(request: HttpRequest, payload: SubmitIn, response_id: int = Path(..., ge=1, le=MAX_ID)) -> dict:
    user = caller(request)
    try:
        outcome = services.submit_response(
            user=user, response_id=response_id, idempotency_key=payload.key, request=request, via="api"
        )
    except ScreeningError as exc:
        raise _fail(exc) from None
    return {"result": outcome.result.pk, "created": outcome.created, "acute": outcome.result.acute}
