"""通知渠道 — one interface for every way a notification reaches a person (issue 15, R5.1, R12).

``deliver(row)`` sends one outbox row (``care.models.Notification``) through its channel's provider and returns
``Sent(provider, provider_id)`` or raises ``DeliveryFailed`` (an error answer or no answer in time). In-app rows
are never sent: the inbox shows them. Which channels a person has, and in what order a failed one falls through:
``channels_for`` and ``next_channel``. The bodies carry no name, level, diagnosis or school (``care.channels.text``).

Providers: e-mail (Django's mail backend), SMS through Alibaba Cloud SMS or Tencent Cloud SMS (their official
SDKs; one per deployment, ``XINYU_SMS_PROVIDER``), 企业微信 application messages (``care.channels.wecom``) and
钉钉 work notices (``care.channels.dingtalk``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

from care.channels.models import Channel, ChannelChoice, Notification
from org.models import User

# A failed channel falls through to the next one the person has, in this order (the ones people watch first).
ORDER = (Channel.WECOM, Channel.DINGTALK, Channel.SMS, Channel.EMAIL)
EXTERNAL = frozenset(ORDER)


@dataclass(frozen=True)
class Sent:
    provider: str
    provider_id: str = ""


class DeliveryFailed(Exception):
    """The provider answered an error, or did not answer within ``XINYU_CHANNEL_TIMEOUT``."""

    def __init__(self, provider: str, error: str, *, timeout: bool = False):
        super().__init__(f"{provider}: {error}")
        self.provider, self.error, self.timeout = provider, error[:300], timeout


def enabled(channel: str) -> bool:
    """Is ``channel`` switched on for this deployment (``XINYU_CHANNELS``)? In-app always is."""
    return channel == Channel.IN_APP or channel in settings.XINYU_CHANNELS


def address(channel: str, user: User, choice: ChannelChoice | None) -> str:
    if channel == Channel.EMAIL:
        return user.email or ""
    if channel == Channel.SMS:
        return user.phone or ""
    if channel == Channel.WECOM:
        return choice.wecom_user_id if choice else ""
    if channel == Channel.DINGTALK:
        return choice.dingtalk_user_id if choice else ""
    return ""


def has(channel: str, user: User, choice: ChannelChoice | None) -> bool:
    """Does the person have ``channel``: switched on here, and an address (e-mail, phone, 企业微信 account)?"""
    return enabled(channel) and bool(address(channel, user, choice))


def chose(channel: str, choice: ChannelChoice | None) -> bool:
    """Did the person choose ``channel`` for what is not red? Without a saved choice, the model's defaults."""
    return getattr(choice or ChannelChoice(), channel)


def channels_for(user: User, choice: ChannelChoice | None, *, urgent: bool) -> list[str]:
    """The outside channels a notification goes by: red (``urgent``) by every channel the person has, whatever
    they chose; anything else by their choice among those they have (in-app is always written besides)."""
    return [c for c in ORDER if has(c, user, choice) and (urgent or chose(c, choice))]


def next_channel(user: User, choice: ChannelChoice | None, tried: set[str]) -> str | None:
    """Where a failed delivery falls through: the first channel the person has that this message has not used
    yet (their choice does not matter: the message must reach them)."""
    return next((c for c in ORDER if c not in tried and has(c, user, choice)), None)


def choices_of(users) -> Mapping[int, ChannelChoice]:
    return {c.user_id: c for c in ChannelChoice.objects.filter(user__in=[u.pk for u in users])}


def deliver(row: Notification) -> Sent:
    """Send one outbox row through its channel. Raises ``DeliveryFailed``; any other error of a provider's
    client is turned into one (a bug in a client must not stop the outbox)."""
    from care.channels import dingtalk, email, sms, text, wecom

    choice = ChannelChoice.objects.filter(user_id=row.user_id).first()
    to = address(row.channel, row.user, choice)
    if not to:
        raise DeliveryFailed(row.channel, "no address")
    if not enabled(row.channel):
        raise DeliveryFailed(row.channel, "channel switched off")
    message = text.message(row)
    senders = {
        Channel.EMAIL: email.send,
        Channel.SMS: sms.send,
        Channel.WECOM: wecom.send,
        Channel.DINGTALK: dingtalk.send,
    }
    try:
        return senders[row.channel](to, message)
    except DeliveryFailed:
        raise
    except Exception as exc:  # noqa: BLE001 — any client error is a failed delivery, retried by the relay
        raise DeliveryFailed(
            row.channel, f"{exc.__class__.__name__}: {exc}", timeout=is_timeout(exc)
        ) from exc


def is_timeout(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 5:
        name = exc.__class__.__name__.lower()
        if "timeout" in name or "timed out" in str(exc).lower() or "timeout" in str(exc).lower():
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
