"""In a real browser (issue 18, "Done when"): a district adopts Xinyu from an empty database in one walk, every step
through the pages a person uses, none through a shell. The database holds only a superuser (``createsuperuser``) and
the city's one row (北京市, seeded by the ORM: no page creates a city; the pages create everything below it). The superuser appoints the city administrator; the city administrator creates a district and
its administrator; the district administrator creates two schools with campuses, sets up the school year and loads
the national holidays, imports the staff (a psychological teacher with a phone); that teacher activates the account
with the code the SMS provider delivered (the stand-in) and enrols two-step verification; the students are
imported; at the year's end the rollover (preview → plan → confirm) moves them a grade up and next year's student
import is accepted. Single sign-on through OIDC stays in test_accounts_activation_and_sso.py (its own provider
process)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pyotp
import pytest
from django.urls import reverse

from org.roster.columns import STAFF_COLUMNS
from xinyu.web.roster.testing import student_row, write_csv

pytestmark = pytest.mark.browser

SUPERUSER, SUPER_PASSWORD = "root", "Beihai-Park-White-Dagoba-1"
CITY_ADMIN, CITY_PASSWORD = "bj_city_admin", "Jingshan-Wanchun-Pavilion-2"
DISTRICT_ADMIN, DISTRICT_PASSWORD = "xc_admin", "Qiuyue-Lantern-7391!"
PSYCH, PSYCH_PHONE, PSYCH_PASSWORD = "xc_t0001", "13911112222", "Yuanming-Garden-4826!"
SCHOOLS = [("西城实验小学", "2111020001"), ("西城育才小学", "2111020002")]


@pytest.fixture
def empty_city(db):
    """Only a superuser (ORM, as ``createsuperuser`` makes one, before any browser opens)."""
    from django.contrib.auth import get_user_model

    from org.models import Node, SchoolYear

    assert not Node.objects.exists() and not SchoolYear.objects.exists()
    get_user_model().objects.create_superuser(SUPERUSER, password=SUPER_PASSWORD, display_name="系统管理员")


def _read(fn):
    """An ORM read in another thread (Playwright's event loop runs in this one)."""
    from django.db import connection

    def run():
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _grades(school_code: str, start_year: int) -> list[tuple[int, str, int]]:
    from org.models import Enrollment

    rows = Enrollment.objects.filter(
        school_class__school__code=school_code, school_year__start_year=start_year, status="active"
    )
    return sorted(rows.values_list("grade", "school_class__name", "student__name"))


def _school_pk(code: str) -> int:
    from org.models import Node

    return Node.objects.get(code=code).pk


def _log_in_first_time(page, base: str, username: str, password: str) -> str:
    """The first login of a role that needs two-step verification: password, then the enrolment page. Returns
    the authenticator's secret."""
    page.goto(base + reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + reverse("auth:enrol"))
    return _enrol(page, base)


def _log_in_again(page, base: str, username: str, password: str, secret: str) -> None:
    page.goto(base + reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + reverse("auth:mfa") + "**")
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(base + reverse("web:home"))


def _enrol(page, base: str) -> str:
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="开启两步验证").click()
    page.get_by_role("link", name="我已妥善保存，继续").click()
    page.wait_for_url(base + reverse("web:home"))
    return secret


def _open(page, form_id: str):
    page.locator(f"details:has(#{form_id}) > summary").click()
    return page.locator(f"#{form_id}")


def _import(page, base: str, path, kind: str, node: str) -> str:
    """Upload a roster file on /roster/ and return the finished job page's text."""
    page.goto(base + reverse("roster:index"))
    page.get_by_label("文件内容").select_option(label=kind)
    page.get_by_label("导入到").select_option(label=node)
    page.locator("#id_file").set_input_files(str(path))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(f"{base}/roster/jobs/*/")
    assert page.locator("#job-bar").get_attribute("value") == "100", page.locator("#main").inner_text()
    return page.locator("#main").inner_text()


def test_a_district_adopts_xinyu_from_an_empty_database(
    live_server, empty_city, provider_standin, browser_context_factory, browser_clock, settings, tmp_path
):
    settings.ROSTER_IMPORT_INLINE = True
    settings.ROLLOVER_INLINE = True
    base = live_server.url
    errors: list[str] = []

    def new_page(**kw):
        page = browser_context_factory(**kw).new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    # 1. The superuser (two-step verification on the first login) creates the city and appoints its administrator.
    root = new_page()
    _log_in_first_time(root, base, SUPERUSER, SUPER_PASSWORD)
    root.get_by_role("link", name="机构管理").first.click()
    assert root.get_by_label("名称").input_value() == "北京市"  # the one city, offered
    assert root.get_by_label("代码").input_value() == "110000"
    root.get_by_role("button", name="创建城市").click()
    assert root.get_by_role("heading", level=1).inner_text().startswith("北京市")
    city_url = root.url
    form = _open(root, "add-post")
    form.get_by_label("岗位", exact=True).select_option(label="市级管理员")
    form.get_by_label("用户名", exact=True).fill(CITY_ADMIN)
    form.get_by_label("姓名").fill("北京市管理员")
    form.get_by_label("初始密码").fill(CITY_PASSWORD)
    form.get_by_role("button", name="新增任职").click()
    root.wait_for_url(city_url)
    assert "北京市管理员" in root.locator("#posts-h + table").inner_text()

    # 2. The city administrator creates the district and its administrator in one step.
    city = new_page()
    _log_in_first_time(city, base, CITY_ADMIN, CITY_PASSWORD)
    city.get_by_role("link", name="机构管理").first.click()
    form = _open(city, "add-child")
    form.get_by_label("类型").select_option(label="区")
    form.get_by_label("名称").fill("西城区")
    form.get_by_label("代码").fill("110102")
    form.get_by_label("用户名").fill(DISTRICT_ADMIN)
    form.get_by_label("姓名").fill("西城区管理员")
    form.get_by_label("初始密码").fill(DISTRICT_PASSWORD)
    form.get_by_role("button", name="创建").click()
    city.wait_for_load_state()
    assert "已新建西城区" in city.content()

    # 3. The district administrator: two schools, each with a campus (本部).
    page = new_page()
    district_secret = _log_in_first_time(page, base, DISTRICT_ADMIN, DISTRICT_PASSWORD)
    page.get_by_role("link", name="机构管理").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("西城区")
    district_url = page.url
    for name, code in SCHOOLS:
        page.goto(district_url)
        form = _open(page, "add-child")
        form.get_by_label("类型").select_option(label="学校")
        form.get_by_label("名称").fill(name)
        form.get_by_label("代码").fill(code)
        form.get_by_label("学段").select_option(label="小学")
        form.get_by_role("button", name="创建").click()
        page.wait_for_load_state()
        assert page.locator("#node-code").inner_text() == code
        form = _open(page, "add-child")
        form.get_by_label("名称").fill("本部")
        form.get_by_role("button", name="创建").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text().startswith("本部")

    # 4. The calendar: this school year (its semesters and exam weeks) and the national holidays.
    today = browser_clock_today()
    year = today.year if today.month >= 9 else today.year - 1
    page.goto(base + reverse("calendar:index"))
    assert page.input_value("#y-start") == str(year)  # offered: the school year holding today
    page.get_by_role("button", name="设置学年", exact=True).click()
    page.wait_for_selector(".message-success")
    assert f"{year}–{year + 1}" in page.locator("#school-years").inner_text()
    page.get_by_role("button", name="载入国家法定节假日").click()
    page.wait_for_selector(".message-success")

    # 5. The staff file: the first school's psychological teacher, with a mobile phone.
    staff = [
        {"工号": PSYCH, "姓名": "钱老师", "手机": PSYCH_PHONE, "学校代码": SCHOOLS[0][1], "岗位": "心理教师",
         "专职": "是"},
    ]  # fmt: skip
    staff_file = write_csv(tmp_path / "教职工.csv", staff, header=[c.label for c in STAFF_COLUMNS])
    _import(page, base, staff_file, "教职工", "西城区")

    # 6. The psychological teacher activates the account with the SMS code and enrols two-step verification.
    psych = new_page()
    psych.goto(base + reverse("login"))
    psych.get_by_role("link", name="激活账号").click()
    psych.locator("#send-username").fill(PSYCH)
    psych.locator("#send-phone").fill(PSYCH_PHONE)
    psych.get_by_role("button", name="发送验证码").click()
    assert "验证码已发送至 139****2222" in psych.content()
    code = provider_standin.sms_to(PSYCH_PHONE)[-1].params["code"]
    psych.locator("#code-username").fill(PSYCH)
    psych.locator("#code").fill(code)
    psych.get_by_role("button", name="下一步：设置密码").click()
    psych.wait_for_url(base + reverse("auth:activate_password"))
    psych.get_by_label("新密码", exact=True).fill(PSYCH_PASSWORD)
    psych.get_by_label("再次输入新密码").fill(PSYCH_PASSWORD)
    psych.get_by_role("button", name="设置密码并继续").click()
    psych.wait_for_url(base + reverse("auth:enrol"))
    _enrol(psych, base)
    assert "钱老师" in psych.content()

    # 7. The students of both schools (first grade, one class each).
    students = [
        _born_2019(student_row(i, 姓名=f"学生{i}", 学校代码=SCHOOLS[i % 2][1], 年级="1", 班级="一年级1班"), i)
        for i in range(1, 5)
    ]
    student_file = write_csv(tmp_path / "学生名册.csv", students)
    _import(page, base, student_file, "学生", "西城区")
    first = SCHOOLS[0][1]
    assert [g for g, _c, _n in _read(lambda: _grades(first, year))] == [1, 1]

    # 8. The year's end: next school year on the calendar, then the first school's rollover.
    # Seven months later the session has long expired: the administrator logs in again.
    browser_clock.move_to(dt.datetime(year + 1, 7, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    _log_in_again(page, base, DISTRICT_ADMIN, DISTRICT_PASSWORD, district_secret)
    page.goto(base + reverse("calendar:index"))
    assert page.input_value("#y-start") == str(year + 1)  # offered: the next one
    page.get_by_role("button", name="设置学年", exact=True).click()
    page.wait_for_selector(".message-success")
    school_pk = _read(lambda: _school_pk(first))
    page.goto(f"{base}{reverse('calendar:rollover')}?school={school_pk}")
    assert "升年级的学生" in page.locator("#rollover-preview").inner_text()
    page.get_by_role("button", name="生成升级方案").click()
    page.wait_for_selector("#rollover-plan")
    page.get_by_role("button", name="确认学年升级").click()
    page.wait_for_selector(".message-success")
    assert "已完成" in page.locator("#rollover-history").inner_text()
    assert [(g, c) for g, c, _n in _read(lambda: _grades(first, year + 1))] == [(2, "二年级1班")] * 2

    # 9. Next year's student file is accepted: a newcomer in the first grade, the movers in their new class.
    newcomer = _born_2019(student_row(9, 姓名="新生9", 学校代码=first, 年级="1", 班级="一年级1班"), 9)
    movers = [r | {"年级": "2", "班级": "二年级1班"} for r in students if r["学校代码"] == first]
    next_file = write_csv(tmp_path / "新学年名册.csv", [newcomer, *movers])
    _import(page, base, next_file, "学生", "西城区")
    assert _read(lambda: _grades(first, year + 1)) == sorted(
        [(2, "二年级1班", r["姓名"]) for r in movers] + [(1, "一年级1班", "新生9")]
    )
    assert errors == []


def browser_clock_today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def _born_2019(row: dict, serial: int) -> dict:
    """A first-grader's row: the 学籍号's birth date agrees with 出生日期 (the resident-ID check)."""
    from xinyu.web.roster.testing import sno

    return row | {"学籍号": sno(serial, born="20190301"), "出生日期": "2019-03-01"}
