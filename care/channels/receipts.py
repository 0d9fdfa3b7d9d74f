"""回执 — delivery reports the SMS providers post back (Alibaba Cloud SMS 短信发送状态报告 HTTP push; Tencent Cloud
SMS 短信下发状态回调). Each report names the provider's id of a send (Aliyun ``biz_id``, Tencent ``sid``): the
matching ``Delivery`` records the receipt. A report that the message did not arrive is a failed delivery: the
message falls through at once to the person's next channel (``care.alerts.services.delivery_report``).

The URL carries a secret (``XINYU_RECEIPT_TOKEN``), as neither provider signs its reports; without the setting
the endpoint answers 404."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from access.routes import policy

ANSWERS = {"aliyun": {"code": 0, "msg": "成功"}, "tencent": {"result": 0, "errmsg": "OK"}}


def parse(provider: str, payload) -> list[tuple[str, bool, str]]:
    """``[(provider_id, delivered, code)]`` of one report body (a JSON list of reports, both providers)."""
    reports = payload if isinstance(payload, list) else [payload]
    out = []
    for r in reports:
        if not isinstance(r, dict):
            continue
        if provider == "aliyun":
            out.append(
                (str(r.get("biz_id", "")), r.get("success") in (True, "true"), str(r.get("err_code", "")))
            )
        else:
            out.append((str(r.get("sid", "")), r.get("report_status") == "SUCCESS", str(r.get("errmsg", ""))))
    return [o for o in out if o[0]]


@csrf_exempt
@require_POST
@policy(
    None, "public", "SMS delivery reports from the provider: secret URL token; ids and status only, no data"
)
def receipt(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    from care.alerts.services import delivery_report

    expected = settings.XINYU_RECEIPT_TOKEN
    if provider not in ANSWERS or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Http404
    try:
        payload = json.loads(request.body or b"[]")
    except ValueError:
        return JsonResponse({"error": "not JSON"}, status=400)
    for provider_id, delivered, code in parse(provider, payload)[:1000]:
        delivery_report(provider=provider, provider_id=provider_id, delivered=delivered, code=code)
    return JsonResponse(ANSWERS[provider])
