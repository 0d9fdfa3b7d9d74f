"""seed_demo (issue 18, build 6): the district centre at work, through the centre services.

Yesterday evening (the district counselor's night shift, 16:00–08:00): the demo student's messages — an imminent
one taken on and answered within minutes, one answered, one still waiting from this morning —, an online
conversation taken and closed with its risk judgement, and a face-to-face visit requested for Saturday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from counseling.centre import services as centre
from counseling.models import Message, OnlineSession
from org.models import User


def centre_at_work(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    student = User.objects.filter(username="student").first()
    counselor = User.objects.filter(username="district_counselor").first()
    if student is None or counselor is None:
        return
    now = timezone.localtime()
    evening = (now - dt.timedelta(days=1)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )  # on duty 16–08
    urgent, _code, _new = centre.leave_message(
        user=student,
        body="我不想活了，今晚不想回家，我该怎么办",
        anonymous=True,
        submit_key="demo-message-imminent-1",
        now=evening,
    )
    centre.acknowledge_message(user=counselor, message=urgent, now=evening + dt.timedelta(minutes=3))
    centre.reply_to_message(
        user=counselor,
        message=urgent,
        body="谢谢你告诉我们。你现在安全吗？请拨打12356，或者到心理辅导室找老师，我们一直在。",
        risk_label="imminent",
        now=evening + dt.timedelta(minutes=6),
    )
    answered, _code, _new = centre.leave_message(
        user=student,
        body="最近总是睡不着，一想到考试就心慌，有什么办法吗？",
        anonymous=False,
        submit_key="demo-message-sleep-2",
        now=evening + dt.timedelta(minutes=40),
    )
    centre.reply_to_message(
        user=counselor,
        message=answered,
        body="考试前紧张很常见。睡前可以试试慢慢数呼吸，白天适当运动。想聊聊的话，可以预约学校的心理辅导室。",
        risk_label="none",
        now=evening + dt.timedelta(hours=1, minutes=10),
    )
    centre.leave_message(
        user=student,
        body="和好朋友吵架了，她不理我，我很难过。",
        anonymous=True,
        submit_key="demo-message-friend-3",
        now=now - dt.timedelta(hours=2),
    )
    session, _new = centre.request_online(user=student, now=evening + dt.timedelta(hours=2))
    centre.take_online(user=counselor, session=session, now=evening + dt.timedelta(hours=2, minutes=2))
    centre.say(
        user=student,
        session=session,
        body="老师好，我想问问怎么跟爸妈说我压力大。",
        now=evening + dt.timedelta(hours=2, minutes=3),
    )
    centre.say(
        user=counselor,
        session=session,
        body="你好，很高兴你愿意说出来。我们先聊聊最近发生了什么，好吗？",
        now=evening + dt.timedelta(hours=2, minutes=4),
    )
    centre.close_online(
        user=counselor,
        session=OnlineSession.objects.get(pk=session.pk),
        risk="none",
        notes="学业压力，与家长沟通方式的建议；无风险。",
        now=evening + dt.timedelta(hours=2, minutes=30),
    )
    day = timezone.localdate(now) + dt.timedelta(days=3)
    while day.weekday() < 5:  # a Saturday morning visit (the centre's weekend hours)
        day += dt.timedelta(days=1)
    centre.request_visit(
        user=student, wanted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))), now=now
    )
    progress(
        f"counseling.centre: {Message.objects.count()} messages (an imminent one answered), an online "
        "conversation, a visit requested"
    )
