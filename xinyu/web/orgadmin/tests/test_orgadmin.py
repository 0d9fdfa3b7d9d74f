"""Organisation administration on pages (issue 18 build 1; R1, R14, and R2.1: class teachers appointed with
their class): what the city's and a district's administrators set up, and the bad input each page refuses with
a sentence in Chinese while changing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from org.models import Node, NodeKind, Post, Role, SchoolClass, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qiuyue-Lantern-7391!"


def _snapshot() -> tuple:
    """Everything an organisation page could change."""
    return (
        list(Node.objects.order_by("pk").values_list("pk", "name", "code", "closed_on")),
        list(
            Post.objects.order_by("pk").values_list(
                "pk", "user_id", "role", "node_id", "valid_from", "valid_to"
            )
        ),
        list(SchoolClass.objects.order_by("pk").values_list("pk", "name", "class_teacher_id")),
        User.objects.count(),
    )


def _post(client, user, name: str, pk: int, data: dict):
    client.force_login(user)
    return client.post(reverse(f"orgadmin:{name}", args=[pk]), data)


def _refused(response, sentence: str) -> None:
    assert response.status_code == 400
    assert sentence in response.content.decode()


def test_the_city_administrator_creates_a_district_and_its_administrator_in_one_step(client, world):
    response = _post(client, world.city_admin, "add_child", world.city.pk, {
        "child-kind": "district", "child-name": "西城区", "child-code": "110102",
        "child-username": "xicheng_admin", "child-display_name": "西城区管理员", "child-phone": "13900000001",
        "child-password": NEW_PASSWORD,
    })  # fmt: skip
    xicheng = Node.objects.get(name="西城区")
    assert response.status_code == 302 and response["Location"] == reverse("orgadmin:node", args=[xicheng.pk])
    admin = User.objects.get(username="xicheng_admin")
    assert admin.check_password(NEW_PASSWORD)
    post = admin.posts.get()
    assert (post.role, post.node, post.valid_to) == (Role.DISTRICT_ADMIN, xicheng, None)
    assert AuditEvent.objects.filter(action="org.node.create", object_id=str(xicheng.pk)).exists()
    assert AuditEvent.objects.filter(action="org.post.appoint", object_id=str(post.pk)).exists()

    # The new administrator keeps their district, and only it.
    client.force_login(admin)
    assert client.get(reverse("orgadmin:node", args=[xicheng.pk])).status_code == 200
    assert client.get(reverse("orgadmin:node", args=[world.haidian.pk])).status_code == 404


def test_a_district_administrator_sets_up_a_school_with_campus_class_and_posts(client, world):
    _post(client, world.district_admin, "add_child", world.haidian.pk, {
        "child-kind": "school", "child-name": "海淀实验二小", "child-code": "2111010001", "child-stage": "primary",
        "child-is_multi_site": "on",
    })  # fmt: skip
    school = Node.objects.get(code="2111010001")
    assert school.district == world.haidian and school.stage == "primary"
    _post(
        client, world.district_admin, "add_child", school.pk, {"child-kind": "campus", "child-name": "北校区"}
    )
    campus = school.children.get()
    assert campus.code == "2111010001-1"
    r = _post(client, world.district_admin, "add_class", school.pk, {
        "cls-campus": campus.pk, "cls-school_year": world.year.pk, "cls-grade": 3, "cls-number": 2,
    })  # fmt: skip
    assert r.status_code == 302
    cls = SchoolClass.objects.get(school=school)
    assert (cls.name, cls.campus, cls.grade) == ("三年级2班", campus, 3)
    # A psychological teacher for the campus (R1.2), a new account, dated from the start of the term.
    r = _post(client, world.district_admin, "add_post", campus.pk, {
        "post-role": "psych_teacher", "post-valid_from": "2026-09-01", "post-full_time": "on",
        "post-username": "bei_psych", "post-display_name": "北校区心理老师", "post-password": NEW_PASSWORD,
    })  # fmt: skip
    assert r.status_code == 302
    post = Post.objects.get(user__username="bei_psych")
    assert (post.role, post.node, post.valid_from, post.full_time) == (
        Role.PSYCH_TEACHER, campus, dt.date(2026, 9, 1), True
    )  # fmt: skip
    # The class teacher: an existing teacher account of the school system, by username.
    teacher = User.objects.create(username="wang_laoshi", display_name="王老师")
    r = _post(client, world.district_admin, "add_post", school.pk, {
        "post-role": "class_teacher", "post-school_class": cls.pk, "post-existing": "wang_laoshi",
    })  # fmt: skip
    assert r.status_code == 302
    cls.refresh_from_db()
    assert cls.class_teacher == teacher
    page = client.get(reverse("orgadmin:node", args=[school.pk])).content.decode()
    assert "2111010001" in page and "三年级2班" in page and "王老师" in page


def test_a_post_ends_instead_of_being_deleted(client, world):
    post = world.class_teacher.posts.get()
    today = timezone.localdate()
    r = _post(client, world.district_admin, "end_post", post.pk, {"end-on": today.isoformat()})
    assert r.status_code == 302
    post.refresh_from_db()
    assert post.valid_to == today
    world.a1.refresh_from_db()
    assert world.a1.class_teacher is None  # no class teacher until the next is appointed
    page = client.get(reverse("orgadmin:node", args=[world.school_a.pk])).content.decode()
    assert "一班班主任" in page and today.strftime("%Y-%m-%d") in page  # the history is kept


def test_an_empty_school_closes_and_its_posts_end(client, world):
    empty = Node.objects.create(
        kind=NodeKind.SCHOOL, parent=world.haidian, name="空校", code="2111010009", stage="primary"
    )
    holder = User.objects.create(username="kong_leader", display_name="空校校长")
    post = Post.objects.create(
        user=holder, role=Role.SCHOOL_LEADER, node=empty, valid_from=dt.date(2024, 9, 1)
    )
    r = _post(client, world.district_admin, "close", empty.pk, {"close-on": "2026-12-31"})
    assert r.status_code == 302
    empty.refresh_from_db()
    post.refresh_from_db()
    assert empty.closed_on == dt.date(2026, 12, 31) and post.valid_to == dt.date(2026, 12, 31)


# --- Bad input: a sentence in Chinese, and nothing changed ------------------------------------------------------


def test_a_school_with_students_is_not_closed(client, world):
    before = _snapshot()
    r = _post(client, world.district_admin, "close", world.school_a.pk, {})
    _refused(r, "第一实验学校仍有在籍学生，请先办理转学或毕业，再撤销。")
    assert _snapshot() == before


def test_a_duplicate_school_code_is_refused(client, world):
    Node.objects.create(
        kind=NodeKind.SCHOOL, parent=world.chaoyang, name="朝阳一小", code="2111050001", stage="primary"
    )
    before = _snapshot()
    r = _post(client, world.district_admin, "add_child", world.haidian.pk, {
        "child-kind": "school", "child-name": "海淀新校", "child-code": "2111050001", "child-stage": "primary",
    })  # fmt: skip
    _refused(r, "编码 2111050001 已被其他单位使用。")
    assert _snapshot() == before


def test_a_school_code_that_is_not_ten_digits_is_refused(client, world):
    before = _snapshot()
    r = _post(client, world.district_admin, "add_child", world.haidian.pk, {
        "child-kind": "school", "child-name": "海淀新校", "child-code": "21110500", "child-stage": "primary",
    })  # fmt: skip
    _refused(r, "学校标识码应为10位数字。")
    assert _snapshot() == before


def test_a_duplicate_district_name_is_refused_and_no_administrator_account_is_left_behind(client, world):
    before = _snapshot()
    r = _post(client, world.city_admin, "add_child", world.city.pk, {
        "child-kind": "district", "child-name": "海淀区", "child-code": "110199",
        "child-username": "haidian2", "child-display_name": "第二个海淀", "child-password": NEW_PASSWORD,
    })  # fmt: skip
    _refused(r, "此处已有名为“海淀区”的区。")
    assert _snapshot() == before


def test_a_district_with_a_weak_administrator_password_creates_neither(client, world):
    before = _snapshot()
    r = _post(client, world.city_admin, "add_child", world.city.pk, {
        "child-kind": "district", "child-name": "西城区", "child-code": "110102",
        "child-username": "xicheng_admin", "child-display_name": "西城区管理员", "child-password": "short",
    })  # fmt: skip
    assert r.status_code == 400
    assert _snapshot() == before


def test_the_same_post_with_overlapping_dates_is_refused(client, world):
    before = _snapshot()
    r = _post(client, world.district_admin, "add_post", world.school_a.pk, {
        "post-role": "psych_teacher", "post-existing": "psych", "post-valid_from": "2026-01-01",
    })  # fmt: skip
    _refused(r, "心理老师在本单位已担任该岗位，任职起止日期与之重叠。请先办理原岗位离任。")
    assert _snapshot() == before


def test_a_second_class_teacher_for_the_same_dates_is_refused(client, world):
    User.objects.create(username="li_laoshi", display_name="李老师")
    before = _snapshot()
    r = _post(client, world.district_admin, "add_post", world.school_a.pk, {
        "post-role": "class_teacher", "post-school_class": world.a1.pk, "post-existing": "li_laoshi",
    })  # fmt: skip
    _refused(r, "五年级1班在这段日期内已有班主任（一班班主任）。请先办理原班主任离任。")
    assert _snapshot() == before


def test_a_post_breaking_the_separation_of_duties_is_refused(client, world):
    before = _snapshot()
    r = _post(client, world.city_admin, "add_post", world.haidian.pk, {
        "post-role": "district_admin", "post-existing": "auditor",
    })  # fmt: skip
    _refused(r, "三权分立：该账号已担任另一类管理岗位（系统管理员、安全管理员、审计员），请使用单独的账号。")
    assert _snapshot() == before


def test_a_class_teacher_for_a_class_of_another_school_is_refused(client, world):
    User.objects.create(username="zhao_laoshi", display_name="赵老师")
    before = _snapshot()
    r = _post(client, world.district_admin, "add_post", world.school_b.pk, {
        "post-role": "class_teacher", "post-school_class": world.a1.pk, "post-existing": "zhao_laoshi",
    })  # fmt: skip
    _refused(r, "五年级1班是第一实验学校的班级，不属于育英学校，不能在此任命其班主任。")
    assert _snapshot() == before


def test_dates_out_of_order_are_refused(client, world):
    User.objects.create(username="qian_laoshi", display_name="钱老师")
    before = _snapshot()
    r = _post(client, world.district_admin, "add_post", world.school_a.pk, {
        "post-role": "teacher", "post-existing": "qian_laoshi", "post-valid_from": "2026-09-01",
        "post-valid_to": "2026-08-31",
    })  # fmt: skip
    _refused(r, "任职结束日期早于任职开始日期。")
    assert _snapshot() == before


def test_a_district_administrator_cannot_act_on_another_district(client, world):
    before = _snapshot()
    client.force_login(world.district_admin)
    assert client.get(reverse("orgadmin:node", args=[world.school_c.pk])).status_code == 404
    r = client.post(reverse("orgadmin:add_child", args=[world.chaoyang.pk]), {
        "child-kind": "school", "child-name": "越权学校", "child-code": "2111050002", "child-stage": "primary",
    })  # fmt: skip
    assert r.status_code == 404
    other_post = world.other_district_officer.posts.get()
    assert client.post(reverse("orgadmin:end_post", args=[other_post.pk]), {}).status_code == 404
    # Nor create a district: the city is not theirs.
    assert client.post(reverse("orgadmin:add_child", args=[world.city.pk]), {
        "child-kind": "district", "child-name": "越权区", "child-code": "110111",
    }).status_code == 404  # fmt: skip
    assert _snapshot() == before
    denied = AuditEvent.objects.filter(action="access.denied", actor=world.district_admin)
    assert denied.count() == 4
    # An account of another district is not found either (no one learns which usernames exist elsewhere).
    r = _post(client, world.district_admin, "add_post", world.school_a.pk, {
        "post-role": "teacher", "post-existing": "other_district_officer",
    })  # fmt: skip
    _refused(r, "未找到账号 other_district_officer。")


def test_other_roles_never_have_the_pages(client, world):
    for persona in ("leader", "district_officer", "security_admin", "auditor"):
        client.force_login(getattr(world, persona))
        assert client.get(reverse("orgadmin:index")).status_code == 403


def test_the_roster_import_page_lists_the_school_codes(client, world):
    Node.objects.create(
        kind=NodeKind.SCHOOL, parent=world.haidian, name="海淀新校", code="2111080001", stage="primary"
    )
    Node.objects.create(
        kind=NodeKind.SCHOOL, parent=world.chaoyang, name="朝阳新校", code="2111050001", stage="primary"
    )
    client.force_login(world.district_admin)
    page = client.get(reverse("roster:index")).content.decode()
    assert "学校标识码" in page and "2111080001" in page and "海淀新校" in page
    assert "2111050001" not in page  # another district's school is not theirs to import


def test_an_education_group_holds_schools_and_a_school_is_renamed(client, world):
    _post(
        client,
        world.district_admin,
        "add_child",
        world.haidian.pk,
        {"child-kind": "group", "child-name": "十一学校教育集团"},
    )
    group = Node.objects.get(name="十一学校教育集团")
    assert group.kind == NodeKind.GROUP and group.code == f"{world.haidian.code}-3"
    _post(client, world.district_admin, "add_child", group.pk, {
        "child-kind": "school", "child-name": "十一学校一分校", "child-code": "2111080011", "child-stage": "junior",
    })  # fmt: skip
    school = Node.objects.get(code="2111080011")
    assert school.parent == group and school.district == world.haidian
    r = _post(client, world.district_admin, "edit", school.pk, {
        "edit-name": "十一学校北校", "edit-code": "2111080012", "edit-stage": "junior",
    })  # fmt: skip
    assert r.status_code == 302
    school.refresh_from_db()
    assert (school.name, school.code) == ("十一学校北校", "2111080012")


def test_a_school_code_already_used_is_refused_on_edit(client, world):
    Node.objects.create(
        kind=NodeKind.SCHOOL, parent=world.haidian, name="海淀新校", code="2111080001", stage="primary"
    )
    before = _snapshot()
    r = _post(client, world.district_admin, "edit", world.school_b.pk, {
        "edit-name": "育英学校", "edit-code": "2111080001", "edit-stage": "primary",
    })  # fmt: skip
    _refused(r, "编码 2111080001 已被其他单位使用。")
    assert _snapshot() == before


def test_a_class_is_renamed_and_moved_but_never_onto_another_class_s_name(client, world):
    r = _post(client, world.district_admin, "edit_class", world.a2.pk, {
        "editcls-name": "五年级3班", "editcls-campus": world.campus_a_main.pk,
    })  # fmt: skip
    assert r.status_code == 302
    world.a2.refresh_from_db()
    assert (world.a2.name, world.a2.campus) == ("五年级3班", world.campus_a_main)
    before = _snapshot()
    r = _post(client, world.district_admin, "edit_class", world.a2.pk, {
        "editcls-name": "五年级1班", "editcls-campus": world.campus_a_main.pk,
    })  # fmt: skip
    _refused(r, "第一实验学校在")
    assert "已有五年级1班" in r.content.decode()
    assert _snapshot() == before


def test_a_district_administrator_does_not_appoint_the_auditor_who_watches_them(client, world):
    before = _snapshot()
    r = _post(client, world.district_admin, "add_post", world.haidian.pk, {
        "post-role": "auditor", "post-username": "hd_auditor", "post-display_name": "海淀审计员",
        "post-password": NEW_PASSWORD,
    })  # fmt: skip
    _refused(r, "安全管理员和审计员岗位由市级管理员任命。")
    assert _snapshot() == before
    r = _post(client, world.city_admin, "add_post", world.haidian.pk, {
        "post-role": "auditor", "post-username": "hd_auditor", "post-display_name": "海淀审计员",
        "post-password": NEW_PASSWORD,
    })  # fmt: skip
    assert r.status_code == 302
    assert Post.objects.get(user__username="hd_auditor").role == Role.AUDITOR


def test_a_school_created_before_the_pages_is_renamed_with_its_old_code_kept(client, world):
    r = _post(client, world.district_admin, "edit", world.school_b.pk, {
        "edit-name": "育英学校（本部）", "edit-code": "S-B", "edit-stage": "primary",
    })  # fmt: skip
    assert r.status_code == 302
    world.school_b.refresh_from_db()
    assert (world.school_b.name, world.school_b.code) == ("育英学校（本部）", "S-B")


def test_on_a_new_installation_the_superuser_appoints_the_first_city_administrator(client):
    """Issue 18 walk: an empty database holds a superuser and the city; the city's page offers 新增任职 even
    though no post is held there yet, and the first city administrator is appointed with a new account."""
    root = User.objects.create_superuser("root", password=NEW_PASSWORD)
    city = Node.objects.create(kind=NodeKind.CITY, name="北京市", code="110000")
    client.force_login(root)
    page = client.get(reverse("orgadmin:node", args=[city.pk])).content.decode()
    assert 'id="add-post"' in page and "city_admin" in page
    response = _post(client, root, "add_post", city.pk, {
        "post-role": "city_admin", "post-username": "bj_admin", "post-display_name": "北京市管理员",
        "post-password": NEW_PASSWORD,
    })  # fmt: skip
    assert response.status_code == 302
    admin = User.objects.get(username="bj_admin")
    assert list(admin.posts.values_list("role", "node_id")) == [(Role.CITY_ADMIN, city.pk)]


def test_on_an_empty_database_the_superuser_creates_the_city_once(client):
    """Issue 18 walk: nothing but a superuser; 机构管理 offers to create the city, a second city is refused with a
    sentence and nothing changes, and no one else may create one."""
    root = User.objects.create_superuser("root", password=NEW_PASSWORD)
    client.force_login(root)
    assert 'id="add-city"' in client.get(reverse("orgadmin:index")).content.decode()
    bad = client.post(reverse("orgadmin:add_city"), {"name": "北京市", "code": "11"})
    _refused(bad, "市的行政区划代码为六位数字。")
    assert not Node.objects.exists()
    response = client.post(reverse("orgadmin:add_city"), {"name": "北京市", "code": "110000"})
    city = Node.objects.get()
    assert (city.kind, city.name, response["Location"]) == (
        NodeKind.CITY,
        "北京市",
        reverse("orgadmin:node", args=[city.pk]),
    )
    assert AuditEvent.objects.filter(action="org.node.create", object_id=str(city.pk)).exists()
    before = _snapshot()
    _refused(
        client.post(reverse("orgadmin:add_city"), {"name": "天津市", "code": "120000"}), "本系统已建有城市"
    )
    assert _snapshot() == before


def test_only_a_superuser_creates_a_city(client, world):
    before = _snapshot()
    client.force_login(world.city_admin)
    assert client.post(reverse("orgadmin:add_city"), {"name": "天津市", "code": "120000"}).status_code == 403
    assert _snapshot() == before
