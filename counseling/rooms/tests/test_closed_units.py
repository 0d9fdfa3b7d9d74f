"""Closed units (撤销, issue 18): a closed campus is not offered for a new counseling room, and a room cannot be set
up there by posting its id."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from counseling.models import CounselingRoom
from org.models import Node

pytestmark = pytest.mark.django_db


def test_a_closed_campus_is_not_offered_for_a_new_room(world, login):
    Node.objects.subtree(world.campus_a_east).update(closed_on=timezone.localdate() - dt.timedelta(days=1))
    client = login(world.leader)
    page = client.get(reverse("counseling:room_rooms")).content.decode()
    assert f'value="{world.campus_a_main.pk}"' in page
    assert f'value="{world.campus_a_east.pk}"' not in page
    before = CounselingRoom.objects.count()
    got = client.post(
        reverse("counseling:room_rooms"),
        {
            "campus": world.campus_a_east.pk,
            "name": "东校区心理辅导室",
            "location": "二层",
            "slot_minutes": 40,
        },
    )
    assert got.status_code == 400
    assert CounselingRoom.objects.count() == before
