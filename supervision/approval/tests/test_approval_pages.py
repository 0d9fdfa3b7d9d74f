"""The approval pages: the leader sees the figures being submitted and submits; the district's queue shows its
schools and enables "approve the district" only when all are approved; the city accepts; a step out of order
changes nothing and says why."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from org.models import Node, NodeKind
from supervision.approval.models import Approval, ApprovalState
from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full


@pytest.fixture
def sem(world):
    period = next(p for p in ensure_periods(world.year) if p.code.endswith("-S1"))
    run_full([period])
    return period


def _state(node, period) -> str:
    a = Approval.objects.filter(node=node, period=period).first()
    return a.state if a else ApprovalState.DRAFT


@pytest.mark.django_db
def test_the_leader_sees_the_figures_and_submits_them(world, sem, login):
    client = login(world.leader)
    url = reverse("supervision:approval_school", args=[world.school_a.pk]) + f"?period={sem.code}"
    page = client.get(url).content.decode()
    assert 'data-indicator="r1.1-psych-teacher"' in page and 'id="submit-figures"' in page

    response = client.post(
        reverse("supervision:approval_submit", args=[world.school_a.pk]), {"period": sem.code, "next": url}
    )

    assert response.status_code == 302 and response["Location"] == url
    assert _state(world.school_a, sem) == ApprovalState.SUBMITTED
    assert 'id="submit-figures"' not in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_step_out_of_order_changes_nothing_and_says_why(world, sem, login):
    client = login(world.district_officer)
    response = client.post(
        reverse("supervision:approval_approve", args=[world.school_a.pk]), {"period": sem.code}, follow=True
    )
    assert _state(world.school_a, sem) == ApprovalState.DRAFT
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.django_db
def test_the_district_queue_enables_approving_the_district_when_all_schools_are_approved(
    world, sem, login, django_assert_max_num_queries
):
    for i in range(5):  # more schools cost no more queries
        Node.objects.create(
            kind=NodeKind.SCHOOL, parent=world.haidian, name=f"学校{i}", code=f"Q{i}", stage="primary"
        )
    client = login(world.district_officer)
    url = reverse("supervision:approval_district", args=[world.haidian.pk]) + f"?period={sem.code}"
    with django_assert_max_num_queries(16):
        page = client.get(url).content.decode()
    assert 'id="approve-district" disabled' in page

    for school in Node.objects.schools().filter(path__startswith=world.haidian.path):
        Approval.objects.create(
            node=school, period=sem, state=ApprovalState.APPROVED, changed_at=timezone.now()
        )
    page = client.get(url).content.decode()
    assert 'id="approve-district" disabled' not in page and 'id="approve-district"' in page

    client.post(reverse("supervision:approval_approve", args=[world.haidian.pk]), {"period": sem.code})
    assert _state(world.haidian, sem) == ApprovalState.APPROVED

    city = login(world.city_officer)
    page = city.get(reverse("supervision:approval_city") + f"?period={sem.code}").content.decode()
    assert f'data-district="{world.haidian.pk}"' in page and "7 / 7" in page
    city.post(reverse("supervision:approval_accept", args=[world.haidian.pk]), {"period": sem.code})
    assert _state(world.haidian, sem) == ApprovalState.ACCEPTED


@pytest.mark.django_db
def test_the_approval_entry_takes_each_role_to_its_page(world, login):
    assert (
        login(world.leader)
        .get(reverse("supervision:approval"))["Location"]
        .endswith(f"/approval/school/{world.school_a.pk}/")
    )
    assert (
        login(world.district_admin)
        .get(reverse("supervision:approval"))["Location"]
        .endswith(f"/approval/district/{world.haidian.pk}/")
    )
    assert (
        login(world.city_admin).get(reverse("supervision:approval"))["Location"].endswith("/approval/city/")
    )
    assert login(world.teacher).get(reverse("supervision:approval")).status_code == 403
