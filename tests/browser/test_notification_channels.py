"""In a real browser, on a 375-px phone: the class teacher enters his 企业微信 account and phone on his
notifications settings, and a red-urgent to-do then reaches his 企业微信 (the provider stand-in) — without the
student's name (issue 15, "Channels people watch")."""

from __future__ import annotations

import threading

import pytest

from tests.browser.test_care_plans import PHONE, _fits
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser


def _red_to_do(user_id: int, errors: list) -> None:
    """A red notification, written and sent from another thread (no ORM call in Playwright's loop)."""
    from django.db import connections, transaction

    from care.alerts.services import notify
    from org.models import User

    try:
        user = User.objects.get(pk=user_id)  # as saved by the page
        with transaction.atomic():
            notify(
                users=[user],
                kind="care.crisis",
                subject="李小明：陪护",
                url="/care/cases/",
                email=True,
                level="red",
            )
    except Exception as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


def test_the_class_teacher_sets_his_wecom_on_a_phone_and_a_red_to_do_reaches_it(
    live_server, world, browser_context_factory, provider_standin, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    teacher = world.class_teacher
    page = browser_context_factory(viewport=PHONE).new_page()
    log_in(page, live_server.url, "class_teacher")
    page.goto(live_server.url + "/care/notifications/")
    page.get_by_role("link", name="通知方式").click()
    _fits(page)
    page.get_by_label("手机号（接收短信）").fill("13800001234")
    page.get_by_label("企业微信账号（UserID）").fill("wangbanzhuren")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("通知方式已保存。").is_visible()
    _fits(page)
    errors: list = []
    worker = threading.Thread(target=_red_to_do, args=(teacher.pk, errors))
    worker.start()
    worker.join()
    assert errors == []
    [message] = provider_standin.wecom_to("wangbanzhuren")
    assert "您有一条需立即处理的待办，请登录心育查看" in message.text and "李小明" not in message.text
    assert len(provider_standin.sms_to("13800001234")) == 1  # red: every channel he has, SMS too
