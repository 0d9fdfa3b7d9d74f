"""The home page: what this person has to do today, by role."""

from __future__ import annotations

from django.urls import reverse

from xinyu.web.home import Card, Figure, register_card, unregister_card

HOME = reverse("web:home")


def cards(response) -> dict[str, list[Card]]:
    out: dict[str, list[Card]] = {}
    for c in response.context["cards"]:
        out.setdefault(c.key, []).append(c)
    return out


def link_urls(card: Card) -> list[str]:
    return [link.url for link in card.links]


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, world):
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_logging_in_through_the_form_lands_on_the_home_page(client, world):
    from conftest import PASSWORD

    # A teacher needs no second factor (access/tests/test_two_factor.py logs in those who do).
    response = client.post(reverse("login"), {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302 and response.url == HOME


def test_the_login_page_is_in_chinese_with_labelled_fields(client, world):
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-Hans">' in body
    assert 'for="id_username"' in body and 'id="id_username"' in body
    assert 'for="id_password"' in body and 'id="id_password"' in body
    assert "登录" in body


def test_the_home_page_lists_the_posts_a_person_holds(world, login):
    response = login(world.class_teacher).get(HOME)
    (posts,) = cards(response)["posts"]
    assert posts.items == ["班主任 · 第一实验学校 五年级1班"]


def test_a_class_teacher_sees_the_size_of_their_class_and_their_school(world, login):
    figures = cards(login(world.class_teacher).get(HOME))["figures"]
    by_title = {c.title: {f.label: f.value for f in c.figures} for c in figures}
    assert by_title["第一实验学校 五年级1班"] == {"学生": "2"}
    assert by_title["第一实验学校"] == {"班级": "2", "学生": "3"}


def test_a_city_officer_sees_city_figures_with_small_cells_suppressed(world, login):
    (figures,) = cards(login(world.city_officer).get(HOME))["figures"]
    values = {f.label: f.value for f in figures.figures}
    assert values == {"学校": "3", "班级": "<5", "学生": "5"}  # 4 classes, 5 students in the whole city


def test_a_city_officer_has_no_link_to_a_student_list(world, login):
    response = login(world.city_officer).get(HOME)
    urls = link_urls(cards(response)["links"][0])
    assert reverse("org:student_list") not in urls
    assert reverse("org:school_list") in urls
    assert reverse("org:student_list") not in [i.url for i in response.context["nav_items"]]


def test_a_psychological_teacher_has_links_to_find_a_student(world, login):
    urls = link_urls(cards(login(world.psych).get(HOME))["links"][0])
    assert reverse("org:student_list") in urls and reverse("org:class_list") in urls


def test_roster_administrators_get_the_roster_import_link_and_teachers_do_not(world, login):
    roster = reverse("roster:index")
    admin = login(world.district_admin).get(HOME)
    assert roster in link_urls(cards(admin)["links"][0])
    assert "roster" in [i.key for i in admin.context["nav_items"]]
    psych = login(world.psych).get(HOME)
    assert roster not in link_urls(cards(psych)["links"][0])
    assert "roster" not in [i.key for i in psych.context["nav_items"]]


def test_a_student_sees_a_link_to_their_own_page(world, login):
    (own,) = cards(login(world.student).get(HOME))["own"]
    assert link_urls(own) == [reverse("org:student_detail", args=[world.student_a1.pk])]


def test_a_guardian_sees_their_child_and_nobody_else(world, login):
    response = login(world.guardian).get(HOME)
    (own,) = cards(response)["own"]
    assert [link.label for link in own.links] == ["李小明"]
    assert "赵小丽" not in response.content.decode()
    assert "figures" not in cards(response)


def test_the_navigation_marks_the_current_page(world, login):
    body = login(world.psych).get(reverse("org:student_list")).content.decode()
    assert f'<a href="{reverse("org:student_list")}" aria-current="page">' in body


def test_later_apps_can_add_home_cards(world, login):
    def alerts(request):
        if request.user != world.psych:
            return None
        return Card(title="Alerts to acknowledge", figures=[Figure("Open", 2)], order=1, key="alerts")

    register_card(alerts)
    try:
        psych_cards = login(world.psych).get(HOME).context["cards"]
        assert psych_cards[0].key == "alerts"
        assert "alerts" not in cards(login(world.teacher).get(HOME))
    finally:
        unregister_card(alerts)


def test_english_can_be_switched_on_and_renders(world, login):
    client = login(world.psych)
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.status_code == 302
    body = client.get(HOME).content.decode()
    assert '<html lang="en">' in body
    assert "My posts" in body and "Psychological teacher" in body
    assert "我的岗位" not in body


def test_the_default_language_is_simplified_chinese(world, login):
    body = login(world.psych).get(HOME).content.decode()
    assert '<html lang="zh-Hans">' in body and "我的岗位" in body and "心理教师" in body


def test_pages_load_no_script_or_style_from_another_site(world, login):
    body = login(world.psych).get(HOME).content.decode()
    assert "http://" not in body and "https://" not in body
    assert "<script>" not in body and "style=" not in body  # no inline script or style (CSP)


def test_an_unknown_page_shows_the_chinese_404_page(world, login):
    response = login(world.psych).get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面未找到" in body and "返回首页" in body


def test_the_home_page_costs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login(world.district_officer)
    client.get(HOME)
    # 10, and the daily board of district and city officers (issue 20): its rows and one grouped query per item,
    # whatever the number of schools (supervision/daily/tests).
    with django_assert_max_num_queries(16):
        client.get(HOME)


def test_a_refusal_of_a_known_page_shows_the_chinese_403_page(world, login):
    # The psychological teacher sees class A1's roster but may not print its passwords.
    response = login(world.psych).get(reverse("slips:class", args=[world.a1.pk]))
    assert response.status_code == 403
    assert "您无权访问此页面" in response.content.decode()


def test_the_500_page_renders_without_a_request_in_chinese():
    from django.template.loader import render_to_string

    body = render_to_string("500.html")
    assert "系统出现了问题" in body and "<script" not in body
