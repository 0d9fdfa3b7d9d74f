"""In a real browser (issue 18 build 1): setting up a district without a shell. The city administrator creates a
district and its administrator in one step; that administrator logs in on a phone, sets up two-step login, and
creates two schools, each with a campus, a class and a psychological teacher for the campus (R1.2)."""

from __future__ import annotations

import pyotp
import pytest
from django.urls import reverse

from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "Qiuyue-Lantern-7391!"
PSYCH_PASSWORD = "Yuanming-Garden-4826!"
SCHOOLS = [("西城实验小学", "2111020001", "xc_psych_1"), ("西城育才小学", "2111020002", "xc_psych_2")]


def _open(page, form_id: str):
    """Open the folded section holding a form and return the form."""
    page.locator(f"details:has(#{form_id}) > summary").click()
    return page.locator(f"#{form_id}")


def test_a_city_administrator_creates_a_district_whose_administrator_sets_up_two_schools(
    live_server, world, browser_context_factory
):
    base = live_server.url

    # The city administrator: 机构管理 → the city → a new district with its administrator.
    city = browser_context_factory().new_page()
    log_in(city, base, "city_admin")
    city.get_by_role("link", name="机构管理").first.click()
    assert city.get_by_role("heading", level=1).inner_text().startswith("北京市")
    form = _open(city, "add-child")
    form.get_by_label("类型").select_option(label="区")
    form.get_by_label("名称").fill("西城区")
    form.get_by_label("代码").fill("110102")
    form.get_by_label("用户名").fill("xicheng_admin")
    form.get_by_label("姓名").fill("西城区管理员")
    form.get_by_label("初始密码").fill(ADMIN_PASSWORD)
    form.get_by_role("button", name="创建").click()
    city.wait_for_load_state()
    assert "已新建西城区" in city.content()
    assert "西城区管理员" in city.locator("#posts-h + table").inner_text()
    assert "区级管理员" in city.content()

    # The district administrator on a phone: the first login sets up two-step login.
    page = browser_context_factory(viewport={"width": 375, "height": 800}).new_page()
    page.goto(base + reverse("login"))
    page.get_by_label("用户名").fill("xicheng_admin")
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + reverse("auth:enrol"))
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="开启两步验证").click()
    page.get_by_role("link", name="我已妥善保存，继续").click()
    page.wait_for_url(base + reverse("web:home"))

    page.goto(base + reverse("orgadmin:index"))  # the district is the one unit they keep: its page opens
    assert page.get_by_role("heading", level=1).inner_text().startswith("西城区")
    district_url = page.url
    for name, code, psych in SCHOOLS:
        page.goto(district_url)
        form = _open(page, "add-child")
        form.get_by_label("类型").select_option(label="学校")
        form.get_by_label("名称").fill(name)
        form.get_by_label("代码").fill(code)
        form.get_by_label("学段").select_option(label="小学")
        form.get_by_role("button", name="创建").click()
        page.wait_for_load_state()
        assert page.locator("#node-code").inner_text() == code
        school_url = page.url

        form = _open(page, "add-child")
        form.get_by_label("名称").fill("本部")
        form.get_by_role("button", name="创建").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text().startswith("本部")
        campus_url = page.url

        # A psychological teacher for the campus, with a new account.
        form = _open(page, "add-post")
        form.get_by_label("岗位", exact=True).select_option(label="心理教师")
        form.get_by_label("专职").check()
        form.get_by_label("用户名", exact=True).fill(psych)
        form.get_by_label("姓名").fill(f"{name}心理老师")
        form.get_by_label("初始密码").fill(PSYCH_PASSWORD)
        form.get_by_role("button", name="新增任职").click()
        page.wait_for_url(campus_url)
        assert f"{name}心理老师" in page.locator("#posts-h + table").inner_text()

        page.goto(school_url)
        form = _open(page, "add-class")
        form.get_by_label("校区").select_option(label="本部")
        form.get_by_label("年级").fill("1")
        form.get_by_label("班号").fill("1")
        form.get_by_role("button", name="创建班级").click()
        page.wait_for_url(school_url)
        assert "一年级1班" in page.locator("#classes-h + table").inner_text()

    page.goto(district_url)
    units = page.locator("#children-h + table").inner_text()
    assert all(name in units and code in units for name, code, _ in SCHOOLS)
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
