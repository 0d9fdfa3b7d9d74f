"""``{{ amount|yuan }}``: money as a school's sheet writes it (12,345.60), from a Decimal, never through a float."""

from __future__ import annotations

from django import template

from schoolwork.funding.selectors import yuan as _yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    return _yuan(value)
