"""A stand-in for the outside message providers, for tests and the load bench: a real HTTP server on loopback
(random port) that speaks enough of Alibaba Cloud SMS ``SendSms``, Tencent Cloud SMS ``SendSms``, 企业微信
``gettoken`` / ``message/send`` and 钉钉 ``gettoken`` / ``asyncsend_v2`` for their real clients (the official SDKs, ``requests``) to talk to it. It
answers success, an error code, or nothing for a while (a timeout), and records every request it got.

    standin = ProviderStandIn().start()
    standin.configure(settings)            # points XINYU_SMS / XINYU_WECOM at it, switches the channels on
    ... raise an alert ...
    standin.sms_to("13800000001")          # the SMS that reached this phone (accepted ones)
    standin.wecom_to("zhanglaoshi")        # the 企业微信 texts that reached this account
    standin.fail("aliyun", times=1)        # the next SendSms answers an error; mode("aliyun", "hang") hangs
    standin.stop()

In pytest use the ``provider_standin`` fixture of the root conftest (it starts, configures and stops it), and
``give_channels(user, phone=..., wecom_user_id=...)`` to give a test person the addresses to reach.
"""

from __future__ import annotations

import http.server
import json
import random
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

SMS_PROVIDERS = ("aliyun", "tencent")


@dataclass
class Got:
    """One request the stand-in received."""

    provider: str  # aliyun, tencent, wecom, dingtalk
    action: str  # SendSms, gettoken, message/send
    to: str = ""  # phone number or 企业微信 UserID
    template: str = ""  # SMS template code / id
    params: object = None  # SMS template parameters as sent
    text: str = ""  # the 企业微信 text
    ok: bool = False  # answered success
    answer: str = ""  # what it answered: "ok", an error code, or "hang"
    message_id: str = ""
    ref: str = ""  # the sender's id of the message (Aliyun OutId, Tencent SessionContext)
    at: float = field(default_factory=time.time)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hanging handler must not hold the test's teardown


class ProviderStandIn:
    def __init__(self, *, seed: int = 15):
        self.got: list[Got] = []
        self.lock = threading.Lock()
        self.modes: dict[str, str] = {"aliyun": "ok", "tencent": "ok", "wecom": "ok", "dingtalk": "ok"}
        self.failures: dict[str, int] = {}
        self.fail_rate = 0.0
        self.hang_seconds = 3.0
        self.random = random.Random(seed)
        self.tokens: set[str] = set()
        self.server: _Server | None = None

    # --- control ------------------------------------------------------------------------------------------------

    def start(self) -> ProviderStandIn:
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                standin._handle(self)

            def do_POST(self):  # noqa: N802
                standin._handle(self)

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True, name="provider-standin").start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def host(self) -> str:
        assert self.server is not None, "start() the stand-in first"
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def mode(self, provider: str, mode: str) -> None:
        """``ok``, ``error`` (every request answers an error code) or ``hang`` (answers after ``hang_seconds``)."""
        self.modes[provider] = mode

    def fail(self, provider: str, times: int = 1) -> None:
        """The next ``times`` sends of ``provider`` answer an error code."""
        self.failures[provider] = self.failures.get(provider, 0) + times

    def expire_tokens(self) -> None:
        """Every 企业微信 access token issued so far is expired (the next send answers errcode 42001)."""
        self.tokens.clear()

    def settings(self, sms_provider: str = "aliyun") -> dict:
        """The Django settings that point the clients at the stand-in."""
        return {
            "XINYU_CHANNELS": ["in_app", "email", "sms", "wecom", "dingtalk"],
            "XINYU_SMS_PROVIDER": sms_provider,
            "XINYU_SMS": {
                "access_key_id": "standin-key",
                "access_key_secret": "standin-secret",
                "sign_name": "心育",
                "template_alert": "SMS_ALERT" if sms_provider == "aliyun" else "1000001",
                "template_todo": "SMS_TODO" if sms_provider == "aliyun" else "1000002",
                "template_emergency": "SMS_EMERGENCY" if sms_provider == "aliyun" else "1000003",
                "template_code": "SMS_CODE" if sms_provider == "aliyun" else "1000004",
                "app_id": "1400000000",
                "region": "ap-beijing",
                "endpoint": self.host,
                "protocol": "http",
            },
            "XINYU_WECOM": {
                "corp_id": "wwstandin",
                "secret": "standin",
                "agent_id": "1000002",
                "api_base": self.url,
            },
            "XINYU_DINGTALK": {
                "app_key": "dingstandin",
                "app_secret": "standin",
                "agent_id": "2000001",
                "api_base": self.url + "/dingtalk",
            },
        }

    def configure(self, settings, sms_provider: str = "aliyun") -> None:
        """Apply ``settings()`` to pytest-django's ``settings`` fixture (or any object with attributes)."""
        for name, value in self.settings(sms_provider).items():
            setattr(settings, name, value)

    # --- what it got ---------------------------------------------------------------------------------------------

    def requests(self, provider: str | None = None, action: str | None = None) -> list[Got]:
        with self.lock:
            return [
                g
                for g in self.got
                if (provider is None or g.provider == provider) and (action in (None, g.action))
            ]

    def sms(self) -> list[Got]:
        """The SMS the provider accepted (either provider)."""
        return [g for g in self.requests() if g.action == "SendSms" and g.ok]

    def sms_to(self, phone: str) -> list[Got]:
        digits = phone.removeprefix("+86")
        return [g for g in self.sms() if g.to.removeprefix("+86") == digits]

    def wecom(self) -> list[Got]:
        return [g for g in self.requests("wecom", "message/send") if g.ok]

    def wecom_to(self, user_id: str) -> list[Got]:
        return [g for g in self.wecom() if g.to == user_id]

    def dingtalk(self) -> list[Got]:
        return [g for g in self.requests("dingtalk", "asyncsend_v2") if g.ok]

    def dingtalk_to(self, user_id: str) -> list[Got]:
        return [g for g in self.dingtalk() if g.to == user_id]

    # --- the protocol --------------------------------------------------------------------------------------------

    def _decide(self, provider: str) -> str:
        with self.lock:
            if self.failures.get(provider):
                self.failures[provider] -= 1
                return "error"
            if self.modes.get(provider) != "ok":
                return self.modes[provider]
            if self.fail_rate and self.random.random() < self.fail_rate:
                return "error"
        return "ok"

    def _record(self, got: Got) -> None:
        with self.lock:
            self.got.append(got)

    def _handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        path, _, query = h.path.partition("?")
        q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
        if path.startswith("/dingtalk/"):
            status, answer = self._dingtalk(path.rsplit("/", 1)[-1], q, body)
        elif path.startswith("/cgi-bin/"):
            status, answer = self._wecom(path.removeprefix("/cgi-bin/"), q, body)
        elif h.headers.get("X-TC-Action"):
            status, answer = self._tencent(h.headers["X-TC-Action"], body)
        else:
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
            status, answer = self._aliyun(h.headers.get("x-acs-action", ""), {**form, **q})
        if answer is None:  # hang: hold the connection past the client's timeout, then drop it
            time.sleep(self.hang_seconds)
            h.close_connection = True
            return
        data = json.dumps(answer, ensure_ascii=False).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json;charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _aliyun(self, action: str, q: dict) -> tuple[int, dict | None]:
        got = Got(
            "aliyun",
            action or "SendSms",
            to=q.get("PhoneNumbers", ""),
            template=q.get("TemplateCode", ""),
            ref=q.get("OutId", ""),
        )
        try:
            got.params = json.loads(q.get("TemplateParam") or "null")
        except ValueError:
            got.params = q.get("TemplateParam")
        decision = self._decide("aliyun")
        got.answer = decision
        request_id = uuid.uuid4().hex
        if decision == "hang":
            self._record(got)
            return 200, None
        if decision == "error":
            self._record(got)
            return 200, {
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
                "Message": "触发分钟级流控",
                "RequestId": request_id,
            }
        got.ok, got.answer, got.message_id = True, "ok", f"{self.random.randrange(10**9)}^0"
        self._record(got)
        return 200, {"Code": "OK", "Message": "OK", "BizId": got.message_id, "RequestId": request_id}

    def _tencent(self, action: str, body: bytes) -> tuple[int, dict | None]:
        payload = json.loads(body or b"{}")
        got = Got(
            "tencent",
            action,
            to=(payload.get("PhoneNumberSet") or [""])[0],
            template=payload.get("TemplateId", ""),
            params=payload.get("TemplateParamSet"),
            ref=payload.get("SessionContext", ""),
        )
        decision = self._decide("tencent")
        got.answer = decision
        request_id = str(uuid.uuid4())
        if decision == "hang":
            self._record(got)
            return 200, None
        if decision == "error":
            self._record(got)
            error = {"Code": "FailedOperation.InsufficientBalanceInSmsPackage", "Message": "套餐包余量不足"}
            return 200, {"Response": {"Error": error, "RequestId": request_id}}
        got.ok, got.answer, got.message_id = True, "ok", f"2433:{self.random.randrange(10**12)}"
        self._record(got)
        status = {
            "SerialNo": got.message_id, "PhoneNumber": got.to, "Fee": 1, "SessionContext": got.ref, "Code": "Ok",
            "Message": "send success", "IsoCode": "CN",
        }  # fmt: skip
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}

    def _wecom(self, action: str, q: dict, body: bytes) -> tuple[int, dict | None]:
        if action == "gettoken":
            got = Got("wecom", "gettoken", ok=True, answer="ok")
            token = uuid.uuid4().hex
            with self.lock:
                self.tokens.add(token)
            self._record(got)
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        payload = json.loads(body or b"{}")
        got = Got(
            "wecom", action, to=payload.get("touser", ""), text=(payload.get("text") or {}).get("content", "")
        )
        if q.get("access_token") not in self.tokens:
            got.answer = "42001"
            self._record(got)
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        decision = self._decide("wecom")
        got.answer = decision
        if decision == "hang":
            self._record(got)
            return 200, None
        if decision == "error":
            self._record(got)
            return 200, {"errcode": 60020, "errmsg": "not allow to access from your ip"}
        got.ok, got.answer, got.message_id = True, "ok", uuid.uuid4().hex
        self._record(got)
        return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": got.message_id}

    def _dingtalk(self, action: str, q: dict, body: bytes) -> tuple[int, dict | None]:
        if action == "gettoken":
            token = "ding" + uuid.uuid4().hex
            with self.lock:
                self.tokens.add(token)
            self._record(Got("dingtalk", "gettoken", ok=True, answer="ok"))
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        payload = json.loads(body or b"{}")
        text = ((payload.get("msg") or {}).get("text") or {}).get("content", "")
        got = Got("dingtalk", action, to=str(payload.get("userid_list", "")), text=text)
        if q.get("access_token") not in self.tokens:
            got.answer = "42001"
            self._record(got)
            return 200, {"errcode": 42001, "errmsg": "不合法的access_token"}
        decision = self._decide("dingtalk")
        got.answer = decision
        if decision == "hang":
            self._record(got)
            return 200, None
        if decision == "error":
            self._record(got)
            return 200, {"errcode": 88, "errmsg": "不合法的agentId"}
        got.ok, got.answer, got.message_id = True, "ok", str(self.random.randrange(10**12))
        self._record(got)
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "task_id": int(got.message_id),
            "request_id": uuid.uuid4().hex,
        }


def give_channels(
    user, *, phone: str = "", wecom_user_id: str = "", dingtalk_user_id: str = "", email: str = ""
) -> None:
    """Give a test person outside addresses (a phone for SMS, a 企业微信 UserID, a 钉钉 userid, an e-mail), as
    they would enter them at /care/notifications/channels/. Red notifications then reach them by each of these."""
    from care.models import ChannelChoice

    fields = []
    if phone:
        user.phone = phone
        fields.append("phone")
    if email:
        user.email = email
        fields.append("email")
    if fields:
        user.save(update_fields=fields)
    accounts = {
        k: v for k, v in (("wecom_user_id", wecom_user_id), ("dingtalk_user_id", dingtalk_user_id)) if v
    }
    if accounts:
        ChannelChoice.objects.update_or_create(user=user, defaults=accounts)
