"""Writes of a person's notifications and channels: the channels they choose and their accounts, their inbox marked
read (issue 3; issue 15). Writing and sending notifications is ``care.alerts.services.notify`` and its relay: an
alert's notifications escalate the alert when no one can be reached, so they stay with alerts."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from care import channels
from care.channels.models import Channel, ChannelChoice, Notification
from org.models import User


class ChannelChoiceError(ValueError):
    """A channel choice that cannot be saved (a malformed phone number or 企业微信 account); nothing was changed."""


PHONE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")  # 企业微信 UserID, 钉钉 userid


def set_channel_choice(
    *,
    user: User,
    chosen: dict[str, bool],
    phone: str | None = None,
    wecom_user_id: str | None = None,
    dingtalk_user_id: str | None = None,
) -> ChannelChoice:
    """通知方式 — the channels a person wants for what is not red (red goes by every channel they have):
    ``chosen`` = ``{"email": …, "sms": …, "wecom": …, "dingtalk": …}`` (a channel left out keeps its choice), their
    mobile phone (``org.User.phone``) and 企业微信 / 钉钉 accounts (``None`` = unchanged). Audited; a bad value
    changes nothing."""
    if phone is not None:
        phone = phone.strip().replace(" ", "").replace("-", "")
        if phone and not PHONE.match(phone):
            raise ChannelChoiceError(_("Enter a mainland mobile number of 11 digits, e.g. 13800000000."))
    accounts = {"wecom_user_id": wecom_user_id, "dingtalk_user_id": dingtalk_user_id}
    accounts = {k: v.strip() for k, v in accounts.items() if v is not None}
    if any(v and not ACCOUNT_ID.match(v) for v in accounts.values()):
        raise ChannelChoiceError(
            _(
                "Enter the account as shown in the admin console of WeCom or DingTalk: letters, digits, _ . @ -."
            )
        )
    with transaction.atomic():
        choice, _created = ChannelChoice.objects.select_for_update().get_or_create(user=user)
        for channel in channels.ORDER:
            if channel in chosen:
                setattr(choice, channel, bool(chosen[channel]))
        for field_name, value in accounts.items():
            setattr(choice, field_name, value)
        choice.save()
        if phone is not None and phone != user.phone:
            user.phone = phone
            user.save(update_fields=["phone"])
        audit.record(
            actor=user,
            action="care.channels.choose",
            obj=choice,
            detail={
                **{c: getattr(choice, c) for c in channels.ORDER},
                "phone": bool(user.phone),
                **{k: bool(getattr(choice, k)) for k in ("wecom_user_id", "dingtalk_user_id")},
            },
        )
    return choice


def mark_notifications_read(*, user: User, now: dt.datetime | None = None) -> int:
    return Notification.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
