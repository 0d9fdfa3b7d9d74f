"""Reads of a person's notifications (their own only)."""

from __future__ import annotations

from django.db.models import QuerySet

from care.channels.models import Channel, Notification
from org.models import User


def unread_notifications(user: User) -> int:
    return Notification.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True).count()


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, channel=Channel.IN_APP).select_related("alert__school")
