"""A channel switched on but not configured is reported, not swallowed (issue 15): a Django system check
(``manage.py check`` prints it at every deploy), a line on the security admin's page (``/security/``) and in
``/readyz``. They read the checks by tag (``TAG``), so no lower layer imports ``care``."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _

from care.channels.models import Channel
from care.channels.sms import PROVIDERS

TAG = "xinyu_config"  # configuration problems an operator must see: /security/ and /readyz read this tag
KNOWN = {c.value for c in Channel}
SMS_KEYS = {
    "aliyun": ("access_key_id", "access_key_secret", "sign_name", "template_alert"),
    "tencent": ("access_key_id", "access_key_secret", "sign_name", "template_alert", "app_id"),
}
SMS_ENV = {
    "access_key_id": "XINYU_SMS_ACCESS_KEY_ID",
    "access_key_secret": "XINYU_SMS_ACCESS_KEY_SECRET",
    "sign_name": "XINYU_SMS_SIGN_NAME",
    "template_alert": "XINYU_SMS_TEMPLATE_ALERT",
    "app_id": "XINYU_SMS_APP_ID",
}
WECOM_ENV = {
    "corp_id": "XINYU_WECOM_CORP_ID",
    "secret": "XINYU_WECOM_SECRET",
    "agent_id": "XINYU_WECOM_AGENT_ID",
}
DINGTALK_ENV = {
    "app_key": "XINYU_DINGTALK_APP_KEY",
    "app_secret": "XINYU_DINGTALK_APP_SECRET",
    "agent_id": "XINYU_DINGTALK_AGENT_ID",
}


@checks.register(TAG)
def channel_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    on = set(settings.XINYU_CHANNELS)
    for name in sorted(on - KNOWN):
        found.append(
            checks.Warning(
                _("Unknown notification channel %(name)s in XINYU_CHANNELS: it is ignored.") % {"name": name},
                id="care.W101",
            )
        )
    if Channel.SMS in on:
        provider = settings.XINYU_SMS_PROVIDER
        if provider not in PROVIDERS:
            found.append(
                checks.Warning(
                    _("SMS is switched on but XINYU_SMS_PROVIDER is not aliyun or tencent: no SMS is sent."),
                    id="care.W102",
                )
            )
        else:
            missing = [SMS_ENV[k] for k in SMS_KEYS[provider] if not settings.XINYU_SMS.get(k)]
            if missing:
                found.append(
                    checks.Warning(
                        _("SMS is switched on but not configured: no SMS is sent. Missing: %(missing)s")
                        % {"missing": ", ".join(missing)},
                        id="care.W103",
                    )
                )
    if Channel.WECOM in on:
        missing = [env for k, env in WECOM_ENV.items() if not settings.XINYU_WECOM.get(k)]
        if missing:
            found.append(
                checks.Warning(
                    _(
                        "WeCom is switched on but not configured: no WeCom message is sent. Missing: %(missing)s"
                    )
                    % {"missing": ", ".join(missing)},
                    id="care.W104",
                )
            )
    if Channel.DINGTALK in on:
        missing = [env for k, env in DINGTALK_ENV.items() if not settings.XINYU_DINGTALK.get(k)]
        if missing:
            found.append(
                checks.Warning(
                    _(
                        "DingTalk is switched on but not configured: no DingTalk notice is sent. Missing: %(missing)s"
                    )
                    % {"missing": ", ".join(missing)},
                    id="care.W105",
                )
            )
    return found


def problems() -> list[str]:
    """The warnings as sentences, for the security page and the health JSON."""
    return [str(m.msg) for m in channel_settings()]
