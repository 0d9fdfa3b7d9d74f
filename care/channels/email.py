"""E-mail through Django's mail backend (SMTP in production): the server's acceptance is the receipt."""

from __future__ import annotations

from django.core.mail import send_mail

from care.channels import Sent
from care.channels.text import Message


def send(to: str, message: Message) -> Sent:
    send_mail(message.subject, message.body, None, [to], fail_silently=False)
    return Sent(provider="smtp")
