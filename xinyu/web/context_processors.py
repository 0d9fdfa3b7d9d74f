from __future__ import annotations

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    return {}
