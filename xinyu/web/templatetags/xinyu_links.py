"""``{{ url|http_only }}``: a stored address shown as a link only if it is http(s) (issue 8, ASVS V5.3.6).

Autoescaping keeps a stored value from breaking out of ``href="…"``, but not a ``javascript:`` or ``data:``
address, which runs when clicked. The forms and services already accept only http(s) addresses; this filter is
the second line, at the output, for values that reached the database another way (the admin, a shell, an old
row). Anything else becomes the empty string, so ``{% if url|http_only %}`` hides the link.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def http_only(value: object) -> str:
    text = str(value or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in ("http", "https") else ""


@register.filter
def may_open(user: object, url: str) -> bool:
    """``{% if request.user|may_open:url %}``: show a link only to who may open its page (issue 20;
    ``access.routes.may_open``, the page's own ``opens`` rule)."""
    from access.routes import may_open as page_opens

    return bool(url) and page_opens(user, str(url))
