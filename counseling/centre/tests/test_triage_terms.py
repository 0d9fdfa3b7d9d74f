"""A district's own triage terms (R4.2, issue 16 build 2): a district counselor adds, edits and retires slang and
lexicon phrases on a page; each is checked and previewed against the repository's labelled rows, audited with
its before and after, and read by the triage for that district's messages only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from counseling.centre import overlay, services
from counseling.centre.models import TriageTerm, TriageTermChange
from counseling.centre.services import CentreError
from org.models import Post, Role, User

SLANG = "今晚就去折纸鹤"  # a code word of this district's children, in no shipped list
ORDINARY = "今天体育课跑了八百米，好累"


def _add(world, by=None, **overrides) -> TriageTerm:
    fields = {
        "kind": "slang",
        "form": "折纸鹤",
        "meaning": "自杀",
        "imminent": False,
        "source": "本区初二学生QQ群里的暗语",
        "seen_on": timezone.localdate(),
    }
    term, _preview = services.add_term(
        by=by or world.district_counselor, district=world.haidian, **(fields | overrides)
    )
    return term


def _leave(user, body: str, key: str):
    message, _code, _ = services.leave_message(user=user, body=body, anonymous=True, submit_key=key)
    return message


@pytest.fixture
def chaoyang_student(world) -> User:
    user = User.objects.create(username="chaoyang_student")
    Post.objects.create(user=user, role=Role.STUDENT, node=world.school_c)
    world.student_c1.user = user
    world.student_c1.save(update_fields=["user"])
    return user


def test_a_slang_word_the_district_adds_flags_its_messages_from_then_on(world):
    assert not _leave(world.student, SLANG, "before-" + "k" * 16).crisis
    _add(world)
    message = _leave(world.student, SLANG, "after-" + "k" * 17)
    assert message.crisis and message.risk_class > 0
    assert not _leave(world.student, ORDINARY, "ordinary-" + "k" * 14).crisis


def test_the_term_is_read_for_its_own_district_only(world, chaoyang_student):
    _add(world)
    assert _leave(world.student, SLANG, "haidian-" + "k" * 15).crisis
    assert not _leave(chaoyang_student, SLANG, "chaoyang-" + "k" * 14).crisis


def test_a_phrase_marked_imminent_puts_the_message_in_the_imminent_class(world):
    _add(world, kind="phrase", form="去天台吹吹风再也不下来", meaning="在高处，准备跳下", imminent=True)
    lex, data = overlay.tables(world.haidian.pk)
    assert overlay.score("我想去天台吹吹风再也不下来", world.haidian.pk).imminent
    assert lex is not None and data is not None
    assert overlay.tables(world.chaoyang.pk) == (None, None)


def test_retiring_a_term_is_the_undo_the_triage_stops_reading_it_and_its_history_stays(world):
    term = _add(world)
    assert overlay.score(SLANG, world.haidian.pk).crisis
    services.retire_term(by=world.district_counselor, term=term)
    assert not overlay.score(SLANG, world.haidian.pk).crisis
    term.refresh_from_db()
    assert term.retired_at is not None and TriageTerm.objects.filter(pk=term.pk).exists()
    assert [c.action for c in term.changes.all()] == ["added", "retired"]
    _add(world)  # added again: a new live entry beside the retired one
    assert overlay.score(SLANG, world.haidian.pk).crisis


def test_every_change_is_audited_with_who_and_before_and_after(world):
    term = _add(world)
    services.edit_term(
        by=world.district_admin,
        term=term,
        form="折纸鹤",
        meaning="自杀",
        imminent=True,
        source="本区初二学生QQ群里的暗语",
        seen_on=term.seen_on,
    )
    services.retire_term(by=world.district_counselor, term=term)
    events = list(AuditEvent.objects.filter(action__startswith="counseling.triage_term.").order_by("seq"))
    assert [(e.action, e.actor_id) for e in events] == [
        ("counseling.triage_term.added", world.district_counselor.pk),
        ("counseling.triage_term.edited", world.district_admin.pk),
        ("counseling.triage_term.retired", world.district_counselor.pk),
    ]
    edited = events[1].detail
    assert edited["before"]["imminent"] is False and edited["after"]["imminent"] is True
    assert edited["before"]["form"] == "折纸鹤" and edited["district"] == world.haidian.pk
    assert events[2].detail["after"]["retired"] is True
    assert TriageTermChange.objects.filter(term=term).count() == 3


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"form": "  "}, "请填写词语"),
        ({"form": "鹤"}, "至少写两个字"),
        ({"meaning": ""}, "请写出它的意思"),
        ({"meaning": "折纸鹤"}, "意思不能和词语本身相同"),
        ({"source": ""}, "请写明在哪里见到"),
        ({"seen_on": None}, "请填写见到的日期"),
        ({"seen_on": timezone.localdate() + dt.timedelta(days=2)}, "不能晚于今天"),
        ({"form": "开心", "kind": "phrase", "meaning": "高兴"}, "我今天很开心"),
        ({"form": "今天", "meaning": "自杀"}, "写得更具体"),
        ({"form": "kms"}, "系统自带的网络用语表已经收录"),
        ({"form": "我不想活了", "kind": "phrase", "meaning": "想死"}, "系统自带的词表已经能标出"),
        ({"kind": "other"}, "请选择"),
    ],
)
def test_bad_input_is_refused_with_a_clear_chinese_message_and_changes_nothing(world, overrides, says):
    with pytest.raises(CentreError) as refused:
        _add(world, **overrides)
    assert says in refused.value.message
    assert not TriageTerm.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="counseling.triage_term.").exists()


def test_a_duplicate_of_a_live_entry_is_refused(world):
    _add(world)
    with pytest.raises(CentreError) as refused:
        _add(world, form="折纸鹤", meaning="跳楼")
    assert "已经有这个词条" in refused.value.message and refused.value.status == 409
    assert TriageTerm.objects.count() == 1


def test_the_preview_counts_the_not_at_risk_rows_it_would_newly_flag_and_saves_nothing(world):
    shipped = overlay.labelled_rows()
    preview = services.preview_term(
        district=world.haidian,
        kind="phrase",
        form="作业",
        meaning="作业",
        imminent=False,
        source="测试",
        seen_on=timezone.localdate(),
    )
    assert preview.none_rows == sum(1 for r in shipped if not r.crisis) > 100
    assert preview.newly_flagged and all("作业" in t for t in preview.newly_flagged)
    assert not TriageTerm.objects.exists()
    slang = services.preview_term(
        district=world.haidian,
        kind="slang",
        form="折纸鹤",
        meaning="自杀",
        imminent=False,
        source="测试",
        seen_on=timezone.localdate(),
    )
    assert slang.newly_flagged == [] and slang.meaning_class != "none"


def test_only_the_districts_own_counselors_and_administrator_keep_its_terms(world):
    other = User.objects.create(username="chaoyang_counselor_t")
    Post.objects.create(user=other, role=Role.DISTRICT_COUNSELOR, node=world.chaoyang)
    with pytest.raises(CentreError) as refused:
        _add(world, by=other)
    assert refused.value.status == 403 and not TriageTerm.objects.exists()
    term = _add(world)
    with pytest.raises(CentreError):
        services.retire_term(by=other, term=term)
    assert TriageTerm.objects.get().retired_at is None


def test_a_counselor_of_another_district_gets_404_for_its_term_page(world, login):
    term = _add(world)
    other = User.objects.create(username="chaoyang_counselor_p")
    Post.objects.create(user=other, role=Role.DISTRICT_COUNSELOR, node=world.chaoyang)
    client = login(other)
    assert client.get(reverse("counseling:centre_term", kwargs={"pk": term.pk})).status_code == 404
    page = client.get(reverse("counseling:centre_terms")).content.decode()
    assert "折纸鹤" not in page and "朝阳区" in page
    haidian = reverse("counseling:centre_terms") + f"?district={world.haidian.pk}"
    assert client.get(haidian).status_code == 404


def test_the_page_previews_then_saves_and_shows_the_history(world, login):
    client = login(world.district_counselor)
    url = reverse("counseling:centre_terms")
    fields = {
        "district": world.haidian.pk,
        "kind": "phrase",
        "form": "考试",
        "meaning": "考试压力",
        "source": "测试",
        "seen_on": timezone.localdate().isoformat(),
    }
    page = client.post(url, fields | {"action": "preview"}).content.decode()
    assert "会新标出" in page and "保存词条" in page
    assert not TriageTerm.objects.exists()
    refused = client.post(url, fields | {"form": "开心", "meaning": "高兴", "action": "preview"})
    assert refused.status_code == 400 and "我今天很开心" in refused.content.decode()
    assert "保存词条" not in refused.content.decode()
    saved = client.post(
        url, fields | {"kind": "slang", "form": "折纸鹤", "meaning": "自杀", "action": "save"}
    )
    term = TriageTerm.objects.get()
    assert saved.status_code == 302 and saved.url == reverse("counseling:centre_term", kwargs={"pk": term.pk})
    detail = client.get(saved.url).content.decode()
    assert "历史" in detail and "海淀咨询中心" in detail
    client.post(reverse("counseling:centre_term_retire", kwargs={"pk": term.pk}))
    listing = client.get(url).content.decode()
    assert "已退用" in listing


# --- v10 (issue 16, i16rec): a district switches off a shipped entry, audited, with undo -------------------------

HYPERBOLE = "期末考完感觉自己死了一遍"  # flagged by the shipped bare 死 (lexicon phrase death-word) alone


def _switch_off(world, key: str = "lexicon:death-word", by=None) -> TriageTerm:
    term, _preview = services.add_term(
        by=by or world.district_counselor,
        district=world.haidian,
        kind="off",
        form=key,
        meaning="",
        imminent=False,
        source="本区学生常说“死了”表示考砸了，误报太多",
        seen_on=timezone.localdate(),
    )
    return term


def test_a_district_switches_off_a_shipped_entry_for_its_own_messages_only_and_retiring_it_is_the_undo(world):
    assert overlay.score(HYPERBOLE, world.haidian.pk).crisis
    term = _switch_off(world)
    assert term.kind == "off" and term.form == "lexicon:death-word" and "词表短语" in term.meaning
    assert not overlay.score(HYPERBOLE, world.haidian.pk).crisis  # this district no longer reads it
    assert overlay.score(HYPERBOLE, world.chaoyang.pk).crisis  # another district still does
    assert overlay.score("我不想活了", world.haidian.pk).crisis  # the rest of the lexicon is untouched
    services.retire_term(by=world.district_admin, term=term)
    assert overlay.score(HYPERBOLE, world.haidian.pk).crisis  # undone: read again
    events = list(AuditEvent.objects.filter(action__startswith="counseling.triage_term.").order_by("seq"))
    assert [(e.action, e.actor_id) for e in events] == [
        ("counseling.triage_term.added", world.district_counselor.pk),
        ("counseling.triage_term.retired", world.district_admin.pk),
    ]
    assert (
        events[0].detail["after"]["kind"] == "off"
        and events[0].detail["after"]["form"] == "lexicon:death-word"
    )
    assert events[0].detail["district"] == world.haidian.pk


def test_a_shipped_slang_form_emoji_or_imminent_rule_can_be_switched_off(world):
    keys = {e.key for e in overlay.shipped_entries()}
    assert {"lexicon:death-word", "rule:height-now", "emoji:💀", "pinyin:自杀"} <= keys
    _switch_off(world, "pinyin:自杀")
    # zs is read as 自杀 no more (the n-gram model still reads the shipped form, as it was trained)
    assert "suicide" not in overlay.score("想zs", world.haidian.pk).hits
    assert "suicide" in overlay.score("想zs", world.chaoyang.pk).hits
    slang = next(e.key for e in overlay.shipped_entries() if e.label.startswith("紫砂"))
    _switch_off(world, slang)
    assert "suicide" not in overlay.score("紫砂算了", world.haidian.pk).hits  # 紫砂 is read as written
    _switch_off(world, "rule:height-now")
    assert "imminent:height-now" not in overlay.score("我现在在楼顶上", world.haidian.pk).hits


@pytest.mark.parametrize(
    ("key", "source", "says"),
    [("lexicon:no-such-entry", "原因", "请选择要停用的内置词条"), ("lexicon:death-word", "", "请写明")],
)
def test_switching_off_refuses_an_unknown_entry_or_no_reason_and_changes_nothing(world, key, source, says):
    with pytest.raises(CentreError) as refused:
        services.add_term(
            by=world.district_counselor,
            district=world.haidian,
            kind="off",
            form=key,
            meaning="",
            imminent=False,
            source=source,
            seen_on=timezone.localdate(),
        )
    assert says in refused.value.message
    assert not TriageTerm.objects.exists()


def test_the_preview_of_a_switch_off_names_the_crisis_messages_it_would_no_longer_find(world):
    preview = services.preview_term(
        district=world.haidian,
        kind="off",
        form="lexicon:death-word",
        meaning="",
        imminent=False,
        source="测试",
        seen_on=timezone.localdate(),
    )
    assert preview.meaning_class == "off" and preview.newly_missed and preview.newly_cleared
    assert all("死" in t for t in preview.newly_missed + preview.newly_cleared)
    assert not TriageTerm.objects.exists()


def test_the_page_switches_a_shipped_entry_off_after_a_preview_and_reads_it_again_on_retire(world, login):
    client = login(world.district_counselor)
    url = reverse("counseling:centre_terms")
    listing = client.get(url).content.decode()
    assert "停用内置词条" in listing and 'value="lexicon:death-word"' in listing
    fields = {
        "district": world.haidian.pk,
        "kind": "off",
        "form": "lexicon:death-word",
        "source": "本区误报太多",
        "seen_on": timezone.localdate().isoformat(),
    }
    page = client.post(url, fields | {"action": "preview"}).content.decode()
    assert "将不再找到" in page and "在本区停用" in page
    assert not TriageTerm.objects.exists()
    saved = client.post(url, fields | {"action": "save"})
    term = TriageTerm.objects.get()
    assert saved.status_code == 302 and term.kind == "off"
    assert not overlay.score(HYPERBOLE, world.haidian.pk).crisis
    detail = client.get(saved.url).content.decode()
    assert "重新启用" in detail and "death-word" in detail
    client.post(reverse("counseling:centre_term_retire", kwargs={"pk": term.pk}))
    assert overlay.score(HYPERBOLE, world.haidian.pk).crisis
