"""企业微信 application messages (自建应用): ``gettoken`` then ``message/send`` of the WeCom server API, over
``requests`` (there is no official Python SDK). The access token is cached (shared cache, so every worker uses
one token, as WeCom asks) and fetched again when WeCom says it is invalid or expired (errcode 40014 / 42001).
The ``msgid`` of the answer is the delivery's id; WeCom offers no delivery report, so acceptance is the receipt."""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.cache import cache

from care.channels import DeliveryFailed, Sent
from care.channels.text import Message

TOKEN_ERRORS = {40014, 42001, 40001}  # invalid token, expired token, invalid credential
CACHE_KEY = "xinyu:wecom:token:{corp}:{agent}"


def _conf() -> dict:
    return settings.XINYU_WECOM


def _key() -> str:
    conf = _conf()
    return CACHE_KEY.format(corp=conf["corp_id"], agent=conf["agent_id"])


def http_json(provider: str, base: str, method: str, path: str, **kwargs) -> dict:
    """One call of a JSON server API (企业微信, 钉钉) within ``XINYU_CHANNEL_TIMEOUT``; failures as ``DeliveryFailed``."""
    url = base.rstrip("/") + path
    try:
        response = requests.request(method, url, timeout=settings.XINYU_CHANNEL_TIMEOUT, **kwargs)
        response.raise_for_status()
        return response.json()
    except requests.Timeout as exc:
        raise DeliveryFailed(provider, f"timeout: {path}", timeout=True) from exc
    except (requests.RequestException, ValueError) as exc:
        raise DeliveryFailed(provider, f"{exc.__class__.__name__} on {path}") from exc


def _call(method: str, path: str, **kwargs) -> dict:
    return http_json("wecom", _conf()["api_base"], method, path, **kwargs)


def access_token(*, fresh: bool = False) -> str:
    token = None if fresh else cache.get(_key())
    if token:
        return token
    conf = _conf()
    answer = _call(
        "GET", "/cgi-bin/gettoken", params={"corpid": conf["corp_id"], "corpsecret": conf["secret"]}
    )
    if answer.get("errcode", 0) != 0 or not answer.get("access_token"):
        raise DeliveryFailed("wecom", f"gettoken {answer.get('errcode')}: {answer.get('errmsg', '')}")
    cache.set(_key(), answer["access_token"], timeout=max(60, int(answer.get("expires_in", 7200)) - 300))
    return answer["access_token"]


def send(to: str, message: Message) -> Sent:
    payload = {
        "touser": to,
        "msgtype": "text",
        "agentid": int(_conf()["agent_id"] or 0),
        "text": {"content": message.body},
        "safe": 0,
    }
    answer: dict = {}
    for attempt in range(2):
        token = access_token(fresh=attempt > 0)
        answer = _call("POST", "/cgi-bin/message/send", params={"access_token": token}, json=payload)
        if answer.get("errcode") not in TOKEN_ERRORS:
            break
        cache.delete(_key())
    if answer.get("errcode", 0) != 0:
        raise DeliveryFailed("wecom", f"{answer.get('errcode')}: {answer.get('errmsg', '')}")
    if answer.get("invaliduser"):  # WeCom answers 0 yet names the accounts it could not reach
        raise DeliveryFailed("wecom", "invaliduser")
    return Sent(provider="wecom", provider_id=str(answer.get("msgid", "")))
