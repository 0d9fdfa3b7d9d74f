"""The pages of a person's own notifications: the inbox and the channels they choose (通知方式). Thin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.routes import policy
from care.channels import selectors, services

PAGE_SIZE = 25


@login_required
@policy(None, "self", "the user's own in-app notifications: level, school and time, no student named")
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "care/notifications.html", {"page": page, "rows": list(page.object_list)})


@require_POST
@login_required
@policy(None, "self", "mark the user's own notifications read")
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.mark_notifications_read(user=request.user)
    return redirect("care:notifications")


@login_required
@policy(None, "self", "the user's own notification channels: their phone and WeCom account, no one else's")
def notification_channels(request: HttpRequest) -> HttpResponse:
    """通知方式 — choose how notifications reach me (red ones go by every channel I have)."""
    from care import channels
    from care.models import Channel, ChannelChoice

    user = request.user
    choice = ChannelChoice.objects.filter(user=user).first()
    offered = [c for c in channels.ORDER if channels.enabled(c)]
    error = ""
    if request.method == "POST":
        post = request.POST
        try:
            services.set_channel_choice(
                user=user,
                chosen={c: c in post for c in offered},
                phone=post.get("phone", ""),
                # An account field is on the page only while its channel is offered: absent = unchanged.
                wecom_user_id=post.get("wecom_user_id"),
                dingtalk_user_id=post.get("dingtalk_user_id"),
            )
        except services.ChannelChoiceError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Your notification channels are saved."))
            return redirect("care:notification_channels")
    rows = [
        {
            "code": c,
            "label": Channel(c).label,
            "chosen": channels.chose(c, choice),
            "has": channels.has(c, user, choice),
        }
        for c in reversed(offered)  # e-mail, SMS, 钉钉, 企业微信: the page's order
    ]

    def value(name: str, saved: str) -> str:
        return request.POST.get(name, saved) if error else saved

    return render(
        request,
        "care/notification_channels.html",
        {
            "rows": rows,
            "offered": set(offered),
            "phone": value("phone", user.phone),
            "wecom_user_id": value("wecom_user_id", choice.wecom_user_id if choice else ""),
            "dingtalk_user_id": value("dingtalk_user_id", choice.dingtalk_user_id if choice else ""),
            "error": error,
        },
        status=400 if error else 200,
    )
