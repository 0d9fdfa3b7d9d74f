"""Ids in paths (issue 19 finding 9): an oversized id answered 500 on the guardian export; now no route lets one
through, whatever app adds it."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from xinyu.converters import IdConverter, id_or_zero


def _patterns(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def test_no_page_takes_an_unbounded_integer_from_its_path():
    unbounded = []
    for route, p in _patterns(get_resolver()):
        converters = getattr(p.pattern, "converters", {})
        if any(isinstance(c, IntConverter) for c in converters.values()):
            unbounded.append(route)
    assert unbounded == [], "use <id:…> (xinyu/converters.py), not <int:…>"


def test_an_id_too_long_for_the_database_is_not_found_rather_than_an_error(world, login):
    client = login(world.guardian)
    path = reverse("care:guardian_export_download", kwargs={"pk": 1})
    assert client.get(path.replace("/1/", "/99999999999999999999999/")).status_code == 404
    assert IdConverter().to_python("9" * 18) < 2**63


def test_an_error_report_never_shows_what_a_form_sent_even_with_debug_on(rf, settings):
    """Issue 19 finding 9: with DEBUG on, the error page showed the typed password."""
    import sys

    from django.views.debug import ExceptionReporter

    settings.DEBUG = True
    secret, code, name = (
        "-".join(["MySecret", "123"]),
        "".join(["ZXQ", "7431"]),
        "".join(["李", "小明"]),
    )  # not in this source
    request = rf.post("/anything/", {"password": secret, "code": code, "name": name})
    try:
        raise ValueError("boom")
    except ValueError:
        page = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    assert secret not in page and code not in page and name not in page
    assert "password" in page  # the field names stay


def test_an_id_sent_in_a_form_is_a_plain_ascii_number_that_fits_the_database_or_nothing():
    """Issue 19 build 6 (the form fuzz): ``isdigit()`` lets ``²`` and ``１２`` through (``int`` then fails or reads a
    full-width number) and any length (SQLite overflows); every view reads a form's id with ``id_or_zero``."""
    assert [id_or_zero(v) for v in ("12", " 7 ", "9" * 18)] == [12, 7, int("9" * 18)]
    assert {id_or_zero(v) for v in ("²", "１２", "9" * 19, "-1", "1.0", "", None, "abc")} == {0}


def test_a_date_sent_in_a_form_is_a_real_date_or_nothing():
    """Issue 19 build 6: ``parse_date`` raises on ``2026-02-30`` (well formed, impossible); views answered 500."""
    from xinyu.converters import date_or_none, datetime_or_none

    assert date_or_none("2026-09-01") == __import__("datetime").date(2026, 9, 1)
    assert {date_or_none(v) for v in ("2026-02-30", "2026-13-01", "", None, "abc", "0000-00-00")} == {None}
    assert {datetime_or_none(v) for v in ("2026-02-30T10:00", "2026-09-01T25:61", "", "x")} == {None}
