"""What leaves the system by e-mail, SMS or 企业微信: only that something is waiting (and, where the caller gave
one, what the to-do is and by when), and a link that asks for a login. No name, no level, no diagnosis, no school (issue 15; PIPL Art. 28 — the less sensitive data travels
through outside providers, the better)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from care.channels.models import Notification


@dataclass(frozen=True)
class Message:
    urgent: bool  # an alert or a red notification: the SMS "alert" template
    subject: str
    body: str
    link: str
    ref: str = ""  # our id of the outbox row (Aliyun OutId, Tencent SessionContext): no personal data
    kind: str = ""  # the notification's kind (an emergency kind has its own SMS template)


def link(row: Notification) -> str:
    base = getattr(settings, "XINYU_BASE_URL", "").rstrip("/")
    if row.alert_id is not None:
        return f"{base}{reverse('care:alert_detail', args=[row.alert_id])}"
    return f"{base}{row.url or reverse('care:notifications')}"


def message(row: Notification) -> Message:
    url = link(row)
    urgent = row.alert_id is not None or row.urgent
    what = row.outside_text if row.alert_id is None else ""
    with translation.override(settings.LANGUAGE_CODE):
        if row.alert_id is not None:
            subject = _("[Xinyu] You have an alert that needs action now")
            body = _("You have an alert that needs action now. Please log in to Xinyu to see it: %(url)s")
        elif row.urgent:
            subject = _("[Xinyu] You have a to-do that needs action now")
            body = (
                _(
                    "You have a to-do that needs action now: %(what)s. Please log in to Xinyu to see it: %(url)s"
                )
                if what
                else _("You have a to-do that needs action now. Please log in to Xinyu to see it: %(url)s")
            )
        else:
            subject = _("[Xinyu] You have a new to-do")
            body = (
                _("You have a new to-do: %(what)s. Please log in to Xinyu to see it: %(url)s")
                if what
                else _("You have a new to-do. Please log in to Xinyu to see it: %(url)s")
            )
    return Message(
        urgent=urgent,
        subject=subject,
        body=body % {"url": url, "what": what},
        link=url,
        ref=str(row.pk or ""),
        kind=row.kind,
    )
