"""研判标注 — counselors' labels of 24-hour messages as the triage's training and test data (R4.2, issue 16).

A counselor marks a message's real risk (紧急危险 / 有风险 / 无风险) with the first reply. What is kept is only the
anonymised text and the label (``TriageLabel``): the rules below replace phone and ID numbers, e-mail and QQ/WeChat
ids, the names of the district's schools and the sender's class, school-like and class-like names, the named
sender's and their guardians' names, names the text itself introduces (我叫…, 王老师, 李明同学) and home addresses
(…小区, …路12号, 3号楼2单元). Replacing too much costs a little training signal; leaving a name costs a child's
privacy, so the rules lean to replacing.

Nothing else may link a label back to its message once the message is purged (privacy review, docs/privacy.md):
the label keeps only the *month* it was given (the student's "the centre replied" notification carries the exact
time of the first reply), and its number is drawn at random (an increasing number would give the order of the
replies, which the notifications and the audit trail also give).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.utils import timezone

from counseling.centre import triage
from counseling.centre.models import Message, RiskClass, RiskLabel, TriageLabel
from org.models import Node, SchoolClass

NAME = "〔姓名〕"
PHONE = "〔电话〕"
ID_NUMBER = "〔证件号〕"
ACCOUNT = "〔账号〕"
SCHOOL = "〔学校〕"
CLASS = "〔班级〕"
ADDRESS = "〔地址〕"

# The commonest Chinese surnames (about 85% of people); a surname before a title or 同学 starts a name.
SURNAMES = (
    "欧阳|司马|诸葛|上官|东方|慕容|"
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
)
_COMPOUND, _SINGLE = SURNAMES.rsplit("|", 1)
_SURNAME = f"(?:{_COMPOUND}|[{_SINGLE}])"
HAN = "[\u4e00-\u9fff]"

RULES: tuple[tuple[re.Pattern, str], ...] = (
    # 居民身份证 (18 digits, the last may be X; older 15-digit ones), before phones so no phone eats one
    (re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?!\d)|(?<!\d)\d{15}(?!\d)"), ID_NUMBER),
    # mobile numbers, with or without +86 and spaces or dashes; landlines with an area code; 12355-style lines stay
    (re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"), PHONE),
    (re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"), PHONE),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), ACCOUNT),
    (re.compile(r"(?i)(?:qq|微信|vx|wx|微信号|qq号)\s*[:：号是]?\s*[A-Za-z0-9_-]{5,20}"), ACCOUNT),
    # schools: 北京市第一〇一中学, 人大附中, 海淀实验小学, 十一学校, 三十五中
    (
        re.compile(
            rf"{HAN}{{0,8}}?(?:第?[一二三四五六七八九十〇零百\d]+)?"
            r"(?:中学|小学|附中|附小|学校|职高|中专|一中|二中|三中|实验中学|外国语学校)"
        ),
        SCHOOL,
    ),
    (re.compile(r"(?<![一二三四五六七八九十\d])[一二三四五六七八九十百\d]{1,3}中(?![文国间午心学])"), SCHOOL),
    # classes: 初二(3)班, 高一3班, 五年级二班, 3班
    (
        re.compile(
            r"(?:[初高][一二三]|[一二三四五六七八九]年级)?\s*[（(]?\s*[一二三四五六七八九十\d]{1,2}\s*[)）]?\s*班"
        ),
        CLASS,
    ),
    # home addresses: 阳光小区, 中关村南大街12号, 3号楼2单元502室 (not floors: "18层" is what a height message says)
    (
        re.compile(
            rf"{HAN}{{1,6}}(?:小区|家园|花园|公寓|大院|新村|社区)|{HAN}{{1,6}}(?:路|街|大街|胡同|里)\d+号(?:院)?"
            r"|\d+\s*(?:号楼|栋|幢)(?:\s*\d+\s*单元)?(?:\s*\d+\s*[室号])?|\d+\s*单元(?:\s*\d+\s*[室号])?"
        ),
        ADDRESS,
    ),
    # names the text introduces
    (
        re.compile(rf"(?<=我叫)\s*{HAN}{{2,3}}|(?<=我的名字是)\s*{HAN}{{2,3}}|(?<=名字叫)\s*{HAN}{{2,3}}"),
        NAME,
    ),
    (re.compile(rf"{_SURNAME}{HAN}{{0,2}}?(?=老师|同学|校长|主任|医生|阿姨|叔叔)"), NAME),
)


def known_names(message: Message) -> list[tuple[str, str]]:
    """Names the district already knows that could be in the text, each with its placeholder, longest first: its
    schools and campuses, the named sender's classes, name and guardians. An anonymous message's sender is
    unknown, so only the district's places."""
    known = {
        name: SCHOOL
        for name in Node.objects.subtree(message.district)
        .exclude(pk=message.district_id)
        .values_list("name", flat=True)
    }
    student = message.student
    if student is not None:
        people = {student.name} | {g.guardian.name for g in student.guardian_links.select_related("guardian")}
        if len(student.name) >= 3:
            people.add(student.name[1:])  # the given name alone
        classes = SchoolClass.objects.filter(enrollments__student=student).values_list("name", flat=True)
        known.update({name: CLASS for name in classes})
        known.update({name: NAME for name in people})
    return sorted(
        ((n, p) for n, p in known.items() if n and len(n) >= 2), key=lambda np: len(np[0]), reverse=True
    )


def anonymise(text: str, known: list[tuple[str, str]] = ()) -> str:
    """The text with known names replaced first (longest first), then the rules."""
    out = text or ""
    for name, placeholder in known:
        out = out.replace(name, placeholder)
    for pattern, placeholder in RULES:
        out = pattern.sub(placeholder, out)
    return out


def triage_class(message: Message) -> str:
    """The triage's class for the message when it arrived (preselected on the reply form)."""
    return {RiskClass.IMMINENT: RiskLabel.IMMINENT, RiskClass.RISK: RiskLabel.RISK}.get(
        message.risk_class, RiskLabel.NONE
    )


def record_label(*, message: Message, label: str, now: dt.datetime) -> TriageLabel:
    """Keep the counselor's label of a message as anonymised training data (called inside the reply's
    transaction, which audits it)."""
    return TriageLabel.objects.create(
        pk=random_label_id(),
        district_id=message.district_id,
        text=anonymise(message.body, known_names(message)),
        label=label,
        triage_class=triage_class(message),
        lexicon_version=message.lexicon_version or triage.lexicon().version,
        labelled_at=month_of(now),
    )


def month_of(moment: dt.datetime) -> dt.datetime:
    """The first instant of ``moment``'s month in Beijing time: all a label keeps of when it was given."""
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def random_label_id() -> int:
    """A label's number: random (62 bits; a collision is a 1-in-10¹⁸ event per pair), so the numbers do not give
    the order in which messages were answered."""
    return secrets.randbits(62) or 1
