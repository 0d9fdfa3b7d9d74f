"""Guessing limit of the anonymous private codes (24小时留言提取码, R4.2): a burst of wrong codes is slowed like
a password guesser (access.throttle), never locked out for good; an unknown and a wrong code look the same."""

from __future__ import annotations

import math
import re
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from access import throttle
from access.models import AuditEvent
from counseling.centre import services
from counseling.centre.services import CentreError

CODE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _send(client) -> str:
    page = client.post(
        reverse("counseling:centre_leave"),
        {"body": "最近睡不着，想说说", "anonymous": "1", "submit_key": "k" * 20},
    )
    return CODE.search(page.content.decode()).group(0)


def _read(client, code: str):
    return client.post(reverse("counseling:centre_read_code"), {"code": code})


def _wrong_like(code: str) -> str:
    """A well-formed code in the same bucket (first two characters) that is not the right one."""
    last = "3" if code[-1] != "3" else "4"
    return code[:-1] + last


def test_codes_carry_about_60_bits_and_are_drawn_from_the_system_random_source():
    assert len(services.CODE_ALPHABET) == 32 and len(set(services.CODE_ALPHABET)) == 32
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200 and all(CODE.fullmatch(c) for c in codes)
    assert 12 * math.log2(len(services.CODE_ALPHABET)) == 60


def test_a_burst_of_wrong_codes_is_slowed_and_the_right_code_works_after_the_wait(world, login):
    client = login(world.student)
    code = _send(client)
    for _ in range(5):  # the free ones: a plain "no such code"
        page = _read(client, _wrong_like(code))
        assert page.status_code == 404
        assert "没有" in page.content.decode() or "No message" in page.content.decode()
    slowed = _read(client, code)  # even the right code waits: the wait is not a hint
    assert slowed.status_code == 429 and int(slowed["Retry-After"]) > 0
    body = slowed.content.decode()
    assert "最近睡不着，想说说" not in body and ("请等待" in body or "wait" in body)
    # The wait grows with each further failure, and is never forever.
    user = str(world.student.pk)
    now = time.time()
    first = throttle.wait_for(services.CODE_SCOPE, {"account": user}, now)
    assert 0 < first <= 30
    throttle.fail(services.CODE_SCOPE, {"account": user}, now)
    assert 30 < throttle.wait_for(services.CODE_SCOPE, {"account": user}, now) <= 60
    for _ in range(20):
        throttle.fail(services.CODE_SCOPE, {"account": user}, now)
    assert throttle.wait_for(services.CODE_SCOPE, {"account": user}, now) <= 900
    assert throttle.wait_for(services.CODE_SCOPE, {"account": user}, now + 901) == 0
    # After the wait the right code opens the reply page.
    message = services.open_with_code(code=code, user=world.student, address="10.1.1.1", now=now + 901)
    assert message.anonymous


def test_an_unknown_and_a_wrong_code_get_the_same_answer(world, login):
    client = login(world.student)
    code = _send(client)
    wrong = _read(client, _wrong_like(code))
    unknown = _read(client, "2222-2222-2222")
    garbage = _read(client, "hello")
    assert wrong.status_code == unknown.status_code == garbage.status_code == 404

    def strip(page):
        return re.sub(r'(csrfmiddlewaretoken" value|csrf-token" content)="[^"]+"', "", page.content.decode())

    assert strip(wrong) == strip(unknown) == strip(garbage)


def test_guesses_spread_over_accounts_and_addresses_are_slowed_by_the_codes_bucket(world):
    code = services.new_code()
    now = time.time()
    bucket = services.code_bucket(code)
    for i in range(10):  # ten different guessers, each with one try, all in one bucket of the code space
        with pytest.raises(CentreError) as refused:
            services.open_with_code(code=code, user=None, address=f"10.0.0.{i}", now=now)
        assert refused.value.status == 404
    # An eleventh guesser's first try is answered; from their second, the bucket's count slows them.
    with pytest.raises(CentreError) as first:
        services.open_with_code(code=bucket + "ZZ-ZZZZ-ZZZZ", user=None, address="10.9.9.9", now=now)
    assert first.value.status == 404
    with pytest.raises(CentreError) as slowed:
        services.open_with_code(code=bucket + "ZY-ZZZZ-ZZZZ", user=None, address="10.9.9.9", now=now)
    assert slowed.value.status == 429
    # Another bucket is not held up for a fresh guesser.
    other = ("AB" if bucket != "AB" else "CD") + "ZZ-ZZZZ-ZZZZ"
    with pytest.raises(CentreError) as elsewhere:
        services.open_with_code(code=other, user=None, address="10.9.9.8", now=now)
    assert elsewhere.value.status == 404


def test_other_peoples_wrong_guesses_never_lock_out_the_holder_of_the_right_code(world, login):
    """Issue 19 finding 7: wrong guesses sharing the code's first two characters, from other accounts, made the
    right code answer 429 for up to 15 minutes."""
    client = login(world.student)
    code = _send(client)
    now = time.time()
    for i in range(30):  # strangers, one wrong guess each, all in the code's bucket
        with pytest.raises(CentreError):
            services.open_with_code(code=_wrong_like(code), user=None, address=f"10.1.0.{i}", now=now)
    message = services.open_with_code(code=code, user=world.student, address="10.2.0.1", now=now)
    assert message.anonymous


def test_wrong_codes_are_audited_without_the_code_and_a_burst_names_the_guesser(world, login):
    client = login(world.student)
    code = _send(client)
    guess = _wrong_like(code)
    for _ in range(6):
        _read(client, guess)
    wrong = list(AuditEvent.objects.filter(action="counseling.message.code_wrong"))
    assert len(wrong) == 5
    for event in wrong:  # a typo must not mark the sender: no actor, no address, no code
        assert event.actor_id is None and event.address is None
        assert guess not in str(event.detail) and guess.replace("-", "") not in str(event.detail)
        assert event.detail == {}  # not even the code's first characters (issue 19 finding 8)
    throttled = AuditEvent.objects.get(action="counseling.message.code_throttled")
    assert throttled.actor_id == world.student.pk and guess not in str(throttled.detail)
    assert set(throttled.detail) == {"wait"}  # no part of the code (issue 19 finding 8)
