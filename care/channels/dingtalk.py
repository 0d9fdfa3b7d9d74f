"""钉钉 work notices (工作通知) of an internal app: ``gettoken`` then
``topapi/message/corpconversation/asyncsend_v2`` of the DingTalk server API, over ``requests``. The access token
is cached like 企业微信's and fetched again when DingTalk says it is invalid or expired. The ``task_id`` of the
answer is the delivery's id; the answer (accepted for sending) is the receipt."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from care.channels import DeliveryFailed, Sent
from care.channels.text import Message
from care.channels.wecom import TOKEN_ERRORS, http_json

CACHE_KEY = "xinyu:dingtalk:token:{app}"


def _conf() -> dict:
    return settings.XINYU_DINGTALK


def _call(method: str, path: str, **kwargs) -> dict:
    return http_json("dingtalk", _conf()["api_base"], method, path, **kwargs)


def access_token(*, fresh: bool = False) -> str:
    key = CACHE_KEY.format(app=_conf()["app_key"])
    token = None if fresh else cache.get(key)
    if token:
        return token
    conf = _conf()
    answer = _call("GET", "/gettoken", params={"appkey": conf["app_key"], "appsecret": conf["app_secret"]})
    if answer.get("errcode", 0) != 0 or not answer.get("access_token"):
        raise DeliveryFailed("dingtalk", f"gettoken {answer.get('errcode')}: {answer.get('errmsg', '')}")
    cache.set(key, answer["access_token"], timeout=max(60, int(answer.get("expires_in", 7200)) - 300))
    return answer["access_token"]


def send(to: str, message: Message) -> Sent:
    payload = {
        "agent_id": int(_conf()["agent_id"] or 0),
        "userid_list": to,
        "msg": {"msgtype": "text", "text": {"content": message.body}},
    }
    answer: dict = {}
    for attempt in range(2):
        token = access_token(fresh=attempt > 0)
        answer = _call(
            "POST",
            "/topapi/message/corpconversation/asyncsend_v2",
            params={"access_token": token},
            json=payload,
        )
        if answer.get("errcode") not in TOKEN_ERRORS:
            break
    if answer.get("errcode", 0) != 0:
        raise DeliveryFailed("dingtalk", f"{answer.get('errcode')}: {answer.get('errmsg', '')}")
    return Sent(provider="dingtalk", provider_id=str(answer.get("task_id", "")))
