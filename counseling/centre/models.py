"""Models of the district counseling centre (区心理咨询中心) and the 24-hour message platform (R4.2).

Imported by ``counseling/models.py`` so they belong to the ``counseling`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedTextField
from care.alerts.levels import RiskLevel
from org.models import Node, Student


class DutyShift(models.Model):
    """值班 — a district counselor on duty for the district's centre (hotline, online counseling, 24-hour
    messages) from ``starts_at`` to ``ends_at``. One person never holds two overlapping shifts (checked in
    ``counseling.centre.services.schedule_shift`` under a lock on the counselor)."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="duty_shifts")
    counselor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="duty_shifts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="centre_shift_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["district", "starts_at", "ends_at"], name="centre_shift_when")]

    def __str__(self) -> str:
        return f"{self.counselor_id} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class MessageStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a reply")
    ANSWERED = "answered", _("Answered")


class MessageStage(models.IntegerChoices):
    """Who a crisis message has been brought to (R4.2 escalation beyond the centre): the counselors on duty →
    every counselor of the district's centre → the district's officers and administrators."""

    ON_DUTY = 0, _("Counselors on duty")
    CENTRE = 1, _("All counselors of the district centre")
    DISTRICT = 2, _("District officers")


class RiskClass(models.IntegerChoices):
    """The triage's class of a message (issue 16), stored as a rank so the queue sorts by it: imminent danger
    (紧急危险: an act in progress or within hours, means at hand) above risk (风险: ideation, self-harm,
    hopelessness, a plan without a time) above the rest."""

    NONE = 0, _("No risk found")
    RISK = 1, _("Risk")
    IMMINENT = 2, _("Imminent danger")

    @classmethod
    def of(cls, name: str) -> RiskClass:
        """The class for ``triage.Triage.risk_class`` ("imminent" / "risk" / "none")."""
        return {"imminent": cls.IMMINENT, "risk": cls.RISK}.get(name, cls.NONE)


class Message(models.Model):
    """24小时留言 — a student's message to the district centre. Named: ``student`` is set. Anonymous:
    ``student`` is NULL and nothing else names the sender (no user, no school, no address); only the hash of the
    private code shown to them once lets them read the reply."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="centre_messages")
    student = models.ForeignKey(
        Student, models.PROTECT, null=True, blank=True, related_name="centre_messages"
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    body = EncryptedTextField(_("message"))
    # A form's one-time token: the same submission twice stores one message (submissions idempotent).
    submit_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("sent at"))
    reply_due = models.DateTimeField(_("first reply due"))
    first_reply_at = models.DateTimeField(_("first reply at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.WAITING
    )
    triage_score = models.FloatField(_("triage score"), default=0)
    crisis = models.BooleanField(_("crisis"), default=False)  # risk or imminent
    risk_class = models.PositiveSmallIntegerField(
        _("risk class"), choices=RiskClass.choices, default=RiskClass.NONE
    )
    triage_hits = models.JSONField(default=list, blank=True)  # lexicon phrase ids, never the words
    lexicon_version = models.PositiveSmallIntegerField(default=0)
    # A crisis not answered within XINYU_MESSAGE_CRISIS_MINUTES climbs a stage (services.escalate_crisis_messages).
    stage = models.PositiveSmallIntegerField(
        _("escalation stage"), choices=MessageStage.choices, default=MessageStage.ON_DUTY
    )
    escalate_at = models.DateTimeField(_("escalates at"), null=True, blank=True)
    # 签收: a counselor on duty takes the crisis on before replying (stops the escalation, not the reply deadline).
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Unlinkable in the audit trail (issue 19 finding 8): an anonymous message is named there by a random
    # reference, never its sequential id, and its arrival and its reads with the code are recorded later, as
    # counts in an hourly digest (services.audit_anonymous_digest), not next to the sender's own events.
    audit_ref = models.CharField(max_length=24, blank=True)
    arrival_audited = models.BooleanField(default=True)
    code_reads_pending = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-risk_class", "reply_due", "pk"]
        verbose_name = _("24-hour message")
        verbose_name_plural = _("24-hour messages")
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=False, student__isnull=False) | Q(anonymous=True, student__isnull=True),
                name="centre_message_named_xor_anonymous",
            )
        ]
        indexes = [
            models.Index(
                fields=["district", "status", "-risk_class", "reply_due"], name="centre_message_queue"
            ),
            # The escalation timer's scan (every minute): only unanswered crises waiting to climb.
            models.Index(
                fields=["escalate_at"],
                condition=Q(escalate_at__isnull=False, first_reply_at__isnull=True),
                name="centre_message_escalation",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"

    @property
    def audit_object_id(self) -> str:
        """How the audit trail names this message: its id, or for an anonymous one its random reference."""
        return f"anon-{self.audit_ref}" if self.anonymous and self.audit_ref else str(self.pk)

    @property
    def imminent(self) -> bool:
        """紧急危险 — the triage read the message as imminent danger (issue 16)."""
        return self.risk_class == RiskClass.IMMINENT


class MessageReply(models.Model):
    """留言回复 — a reply by the on-duty counselor, or a follow-up by the sender (``author`` NULL)."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_sender = models.BooleanField(default=False)
    body = EncryptedTextField(_("reply"))
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message reply")
        verbose_name_plural = _("message replies")

    def __str__(self) -> str:
        return f"reply {self.pk} to message {self.message_id}"


class CallerType(models.TextChoices):
    STUDENT = "student", _("Student")
    GUARDIAN = "guardian", _("Parent or guardian")
    TEACHER = "teacher", _("Teacher")
    OTHER = "other", _("Other")


class CallTopic(models.TextChoices):
    STUDY = "study", _("Study and exams")
    FAMILY = "family", _("Family")
    PEERS = "peers", _("Friends and classmates")
    EMOTION = "emotion", _("Mood and emotions")
    SELF_HARM = "self_harm", _("Self-harm or suicide")
    BULLYING = "bullying", _("Bullying")
    OTHER = "other", _("Other")


class CallOutcome(models.TextChoices):
    SUPPORTED = "supported", _("Listened and advised")
    FOLLOW_UP = "follow_up", _("Follow-up call agreed")
    HANDED_OVER = "handed_over", _("Handed over to the school")
    REFERRED = "referred", _("Referred to a hospital or institution")
    EMERGENCY = "emergency", _("Emergency services called")


class HotlineCall(models.Model):
    """热线记录 — one call to the district centre's hotline. The summary is clinical free text (T3, encrypted).
    With the caller's consent the call is handed over to the student's school, whose psychological teachers
    are notified (``hand_over_call``)."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="hotline_calls")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("call started"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    caller_type = models.CharField(_("caller"), max_length=10, choices=CallerType.choices)
    topic = models.CharField(_("topic"), max_length=12, choices=CallTopic.choices)
    risk = models.CharField(_("risk"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.NONE)
    outcome = models.CharField(_("outcome"), max_length=12, choices=CallOutcome.choices)
    summary = EncryptedTextField(_("summary"), blank=True)
    consent_to_hand_over = models.BooleanField(
        _("caller consents to a hand-over to the school"), default=False
    )
    student = models.ForeignKey(Student, models.PROTECT, null=True, blank=True, related_name="hotline_calls")
    handed_over_to = models.ForeignKey(Node, models.PROTECT, null=True, blank=True, related_name="+")
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    submit_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("hotline call")
        verbose_name_plural = _("hotline calls")
        constraints = [
            models.CheckConstraint(
                condition=Q(handed_over_to__isnull=True)
                | Q(consent_to_hand_over=True, student__isnull=False),
                name="centre_call_handover_needs_consent",
            )
        ]

    def __str__(self) -> str:
        return f"call {self.pk}"


class OnlineStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a counselor")
    ACTIVE = "active", _("In conversation")
    CLOSED = "closed", _("Ended")


class OnlineSession(models.Model):
    """在线咨询 — a text conversation between a student and the district counselor on duty (R4.2), kept as a
    session record: who, when, how long, the counselor's risk judgement and notes (T4: the counselor's own)."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="online_sessions")
    student = models.ForeignKey(Student, models.PROTECT, related_name="online_sessions")
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=OnlineStatus.choices, default=OnlineStatus.WAITING
    )
    requested_at = models.DateTimeField(_("requested at"))
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    risk = models.CharField(_("risk"), max_length=8, choices=RiskLevel.choices, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)  # T4: the counselor who held the session

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("online counseling session")
        verbose_name_plural = _("online counseling sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=~Q(status="closed"), name="centre_one_open_online_session"
            )
        ]

    def __str__(self) -> str:
        return f"online session {self.pk}"


class OnlineLine(models.Model):
    """One line of an online conversation (encrypted: what a student says in counseling is T3+)."""

    session = models.ForeignKey(OnlineSession, models.CASCADE, related_name="lines")
    from_student = models.BooleanField()
    body = EncryptedTextField(_("text"))
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"line {self.pk} of {self.session_id}"


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class CentreVisit(models.Model):
    """面询预约 — a student asks to see a counselor at the district centre face to face; a counselor of the
    centre confirms (taking it) or declines. One open request per student (by the database)."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="centre_visits")
    student = models.ForeignKey(Student, models.PROTECT, related_name="centre_visits")
    wanted_at = models.DateTimeField(_("wanted time"))
    status = models.CharField(
        _("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.REQUESTED
    )
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["wanted_at", "pk"]
        verbose_name = _("centre visit")
        verbose_name_plural = _("centre visits")
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="centre_one_open_visit",
            )
        ]

    def __str__(self) -> str:
        return f"visit {self.pk}"


class RiskLabel(models.TextChoices):
    """What a counselor marks on reply (issue 16): the triage's three classes by name."""

    IMMINENT = "imminent", _("Imminent danger")  # 紧急危险
    RISK = "risk", _("At risk")  # 有风险
    NONE = "none", _("No risk")  # 无风险


class TriageLabel(models.Model):
    """研判标注 — a counselor's mark of a 24-hour message's real risk, given with the first reply (R4.2, issue 16),
    kept as training and test data for the triage. Anonymised: the text with names, phone and ID numbers,
    schools and classes replaced (``counseling.centre.labels.anonymise``), the label, the triage's class then,
    the lexicon version and the district; no link to the message, its sender or the counselor."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="+")
    text = EncryptedTextField(_("anonymised text"))
    label = models.CharField(_("risk marked by the counselor"), max_length=8, choices=RiskLabel.choices)
    triage_class = models.CharField(_("triage's class"), max_length=8, choices=RiskLabel.choices)
    lexicon_version = models.PositiveSmallIntegerField(default=0)
    labelled_at = models.DateTimeField(_("labelled at"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("triage label")
        verbose_name_plural = _("triage labels")

    def __str__(self) -> str:
        return f"triage label {self.pk}"


class TermKind(models.TextChoices):
    """What a district's triage term is (issue 16, build 2): read before the lexicon, or a lexicon phrase."""

    SLANG = "slang", _("Slang or homophone")  # 网络用语/谐音: a written form → its plain meaning
    PHRASE = "phrase", _("Lexicon phrase")  # 词表短语: a phrase that flags a message
    # v10 (i16rec): a shipped entry (a lexicon phrase, an imminent rule, a slang form, an emoji, a pinyin phrase)
    # this district does not read; its ``form`` is the entry's key (``overlay.shipped_entries``), retire = undo
    OFF = "off", _("Shipped entry switched off")  # 停用内置词条


class TriageTerm(models.Model):
    """区级研判词条 — a district's own addition to the shipped triage files (R4.2, issue 16 build 2): a slang or
    homophone form read as its meaning before the lexicon (``triage_slang.yaml``'s ``phrases``/``emoji``), or a
    lexicon phrase that flags a message (``triage_lexicon.yaml``'s ``phrases``), with where its meaning was seen
    and when. The shipped files stay the base; ``counseling.centre.overlay`` lays a district's live terms over them
    for that district's messages only. Never deleted: retiring one (the undo) keeps it and its history."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="triage_terms")
    kind = models.CharField(_("kind"), max_length=8, choices=TermKind.choices)
    # written as children write it; a word, not a regular expression
    form = models.CharField(_("word or phrase"), max_length=40)
    meaning = models.CharField(_("meaning"), max_length=60)
    imminent = models.BooleanField(_("imminent danger"), default=False)
    source = models.CharField(_("where it was seen"), max_length=200)
    seen_on = models.DateField(_("date seen"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("added at"))
    updated_at = models.DateTimeField(_("changed at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "form", "pk"]
        verbose_name = _("district triage term")
        verbose_name_plural = _("district triage terms")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "kind", "form"],
                condition=Q(retired_at__isnull=True),
                name="centre_one_live_term",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.form}"

    @property
    def live(self) -> bool:
        return self.retired_at is None

    def snapshot(self) -> dict:
        """What a change records as before/after (the audit trail's detail and the term's history)."""
        return {
            "kind": self.kind,
            "form": self.form,
            "meaning": self.meaning,
            "imminent": self.imminent,
            "source": self.source,
            "seen_on": self.seen_on.isoformat() if self.seen_on else None,
            "retired": self.retired_at is not None,
        }


class TermAction(models.TextChoices):
    ADDED = "added", _("Added")
    EDITED = "edited", _("Edited")
    RETIRED = "retired", _("Retired")


class TriageTermChange(models.Model):
    """One change of a district triage term — who, when, what it was before and after (shown as its history; the
    same before/after is in the audit trail)."""

    term = models.ForeignKey(TriageTerm, models.PROTECT, related_name="changes")
    action = models.CharField(_("change"), max_length=8, choices=TermAction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("at"))
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("triage term change")
        verbose_name_plural = _("triage term changes")

    def __str__(self) -> str:
        return f"{self.action} {self.term_id}"
