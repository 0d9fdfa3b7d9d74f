"""短信 — SMS through the official SDK of Alibaba Cloud SMS (``dysmsapi`` 2017-05-25, SendSms) or Tencent Cloud SMS
(``sms`` 2021-01-11, SendSms); a deployment picks one with ``XINYU_SMS_PROVIDER``. The templates registered with
the provider hold the whole text (docs/deploy.md): we send no template parameter, so nothing about a student can
travel in one. The provider's answer (Aliyun ``BizId``, Tencent ``SerialNo``) is the delivery's id; the delivery
report arrives later at ``care:channel_receipt``."""

from __future__ import annotations

import json

from django.conf import settings

from care.channels import DeliveryFailed, Sent
from care.channels.text import Message

DEFAULT_ENDPOINTS = {"aliyun": "dysmsapi.aliyuncs.com", "tencent": "sms.tencentcloudapi.com"}
PROVIDERS = tuple(DEFAULT_ENDPOINTS)


def _conf() -> dict:
    return settings.XINYU_SMS


def template(message: Message) -> str:
    conf = _conf()
    if conf.get("template_emergency") and message.kind in getattr(settings, "XINYU_SMS_EMERGENCY_KINDS", ()):
        return conf["template_emergency"]  # says 紧急 and what to do (issue 16)
    return conf["template_alert"] if message.urgent or not conf["template_todo"] else conf["template_todo"]


def send(to: str, message: Message) -> Sent:
    provider = settings.XINYU_SMS_PROVIDER
    if provider == "aliyun":
        return _aliyun(to, template(message), message.ref)
    if provider == "tencent":
        return _tencent(to, template(message), message.ref)
    raise DeliveryFailed("sms", f"no SMS provider configured ({provider!r})")


def send_code(phone: str, code: str, minutes: int) -> str:
    """An account activation code (issue 18): the provider's verification-code template (验证码模板,
    ``XINYU_SMS_TEMPLATE_CODE``, e.g. "您的心育账号激活验证码为${code}，${minutes}分钟内有效…") with the code as its one
    parameter — a code, never anything about a student. Returns the provider's message id; raises
    ``DeliveryFailed``. Registered with access.activation by ``care.channels.providers``."""
    provider = settings.XINYU_SMS_PROVIDER
    template_code = _conf().get("template_code", "")
    if provider not in PROVIDERS or not template_code:
        raise DeliveryFailed("sms", "no SMS provider or verification-code template configured")
    if provider == "aliyun":
        sent = _aliyun(phone, template_code, "", {"code": code, "minutes": str(minutes)})
    else:
        sent = _tencent(phone, template_code, "", [code, str(minutes)])
    return sent.provider_id


def _aliyun(phone: str, template_code: str, ref: str, params: dict | None = None) -> Sent:
    from alibabacloud_dysmsapi20170525 import models
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_tea_openapi import models as openapi
    from alibabacloud_tea_util import models as util

    conf = _conf()
    timeout_ms = int(settings.XINYU_CHANNEL_TIMEOUT * 1000)
    client = Client(
        openapi.Config(
            access_key_id=conf["access_key_id"],
            access_key_secret=conf["access_key_secret"],
            endpoint=conf["endpoint"] or DEFAULT_ENDPOINTS["aliyun"],
            protocol=conf["protocol"] or "https",
            read_timeout=timeout_ms,
            connect_timeout=timeout_ms,
        )
    )
    request = models.SendSmsRequest(
        phone_numbers=phone.removeprefix("+86"),
        sign_name=conf["sign_name"],
        template_code=template_code,
        template_param=json.dumps(params or {}),
        out_id=ref or None,
    )
    runtime = util.RuntimeOptions(
        read_timeout=timeout_ms, connect_timeout=timeout_ms, autoretry=False, max_attempts=1
    )
    body = client.send_sms_with_options(request, runtime).body
    if body.code != "OK":
        raise DeliveryFailed("aliyun", f"{body.code}: {body.message}")
    return Sent(provider="aliyun", provider_id=body.biz_id or "")


def _tencent(phone: str, template_id: str, ref: str, params: list[str] | None = None) -> Sent:
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import models, sms_client

    conf = _conf()
    http = HttpProfile(
        protocol=conf["protocol"] or "https",
        endpoint=conf["endpoint"] or DEFAULT_ENDPOINTS["tencent"],
        reqTimeout=settings.XINYU_CHANNEL_TIMEOUT,
    )
    client = sms_client.SmsClient(
        credential.Credential(conf["access_key_id"], conf["access_key_secret"]),
        conf["region"] or "ap-beijing",
        ClientProfile(httpProfile=http),
    )
    request = models.SendSmsRequest()
    request.PhoneNumberSet = [phone if phone.startswith("+") else f"+86{phone}"]
    request.SmsSdkAppId = conf["app_id"]
    request.SignName = conf["sign_name"]
    request.TemplateId = template_id
    request.TemplateParamSet = params or []
    request.SessionContext = ref
    try:
        response = client.SendSms(request)
    except TencentCloudSDKException as exc:
        raise DeliveryFailed("tencent", f"{exc.get_code()}: {exc.get_message()}") from exc
    status = (response.SendStatusSet or [None])[0]
    if status is None or status.Code != "Ok":
        code = status.Code if status else "NoStatus"
        raise DeliveryFailed("tencent", f"{code}: {status.Message if status else ''}")
    return Sent(provider="tencent", provider_id=status.SerialNo or "")
