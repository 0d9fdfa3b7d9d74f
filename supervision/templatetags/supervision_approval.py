"""Badges of data approval and inspections: a state shown as a coloured word (the colour is not the only cue)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from supervision.approval.models import ApprovalState
from supervision.inspections.models import Finding, TaskStatus

register = template.Library()


@register.filter
def approval_badge(state: str) -> str:
    label = dict(ApprovalState.choices).get(state, state)
    return format_html('<span class="badge approval-{}">{}</span>', state, label)


@register.filter
def task_badge(task, today=None) -> str:
    label = dict(TaskStatus.choices).get(task.status, task.status)
    return format_html('<span class="badge task-{}">{}</span>', task.status, label)


@register.filter
def finding_label(value: str) -> str:
    return dict(Finding.choices).get(value, "")


@register.filter
def share(value) -> str:
    return "" if value is None else f"{value:.0%}"
