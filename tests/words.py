"""Issue 20, build 3: what a zh-hans page shows must be Chinese a Beijing school writes — no code, key or English.

``visible_text(html)`` is the text a visitor reads (tags, scripts, styles and hidden templates stripped; the
page title, button values, placeholders, labels read aloud and image descriptions kept); ``wrong_words(text)``
lists what a visitor of a zh-hans page should never read there:

- a snake_case token (a key leaking: ``all_staff``, ``duty_roster``);
- English words — an untranslated msgid or English stored in data ("Five educations", "Your password");
- a code hint (``python manage.py load_holidays``, ``None``, template syntax).

Legitimate Latin passes: instrument names (PHQ-A, GAD-7 …), well-known acronyms (API, PDF, Excel …), IDs
(学籍号 G110…, codes mixing letters and digits), URLs, e-mail addresses, numbers and units. A caller adds the
page's own legitimate Latin (a login name shown on the page) with ``allow``.

The Django-client tour (tests/demo/test_demo_words.py) and the browser tours (``check_page``) share these.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Latin a Chinese school document writes as is.
ALLOWED = frozenset(
    {
        # instruments (shared/instruments.md) and their parts
        "PHQ-A",
        "PHQ-9",
        "PHQ",
        "GAD-7",
        "GAD",
        "SCL-90",
        "MHT",
        "SDQ",
        "SCARED",
        "WHO",
        "UCLA",
        "ASLEC",
        "PSQI",
        "CES-D",
        "SAS",
        "SDS",
        "DASS",
        "DASS-21",
        "EPQ",
        "KADS",
        "C-SSRS",
        "ASQ",
        # technical words Chinese offices use as is
        "API",
        "URL",
        "ID",
        "IP",
        "PDF",
        "CSV",
        "Excel",
        # keyboard keys a hint names (按住 Ctrl 键（Mac 上为 ⌘ 键）可多选)
        "Ctrl",
        "Mac",
        "Office",
        "GBK",
        "UTF-8",
        "JSON Lines",
        "XLSX",
        "xlsx",
        "csv",
        "pdf",
        "HTTP",
        "HTTPS",
        "SMS",
        "SSO",
        "CAS",
        "OIDC",
        "OAuth",
        "SAML",
        "TOTP",
        "QQ",
        "App",
        "APP",
        "Wi-Fi",
        "PIN",
        "IT",
        "VS",
        "vs",
        "Xinyu",
        "Django",
        "Bearer",
        "JSON",
        "GB",
        "MB",
        "KB",
        "AA",
        "WCAG",
        "PIPL",
        "AM",
        "PM",
        "OK",
        # units
        "kg",
        "cm",
        "km",
        "ms",
        "px",
    }
)
ASIDE = re.compile(
    r"https?://\S+"  # URLs
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"  # e-mail
    r"|(?<![\w/])/[\w\-./]*[\w/]"  # a path shown as an address (/api/v1/…)
    r"|\bX{2,}(?:-X{2,})+\b"  # the shape of a code to type (XXXX-XXXX-XXXX)
    r"|\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b"  # IDs: letters + digits
)
SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b")
CODE = re.compile(
    r"manage\.py|\bpython3?\b|\{\{|\}\}|\{%|%\}|\bNone\b|\bTrue\b|\bFalse\b|\bnull\b|\bundefined\b|\bNaN\b"
    r"|Traceback|\b\w+\(\)|%\(\w+\)s|\bpk\b|\b(?:phq|gad|scl|asq|who)[-_]\w+"  # a lowercase instrument id
)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
HIDDEN = {"script", "style", "template", "noscript", "svg"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SPOKEN = ("placeholder", "aria-label", "alt", "title", "data-confirm")  # data-confirm: the confirm dialog


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in VOID:
            return self.handle_startendtag(tag, attrs)
        # translate="no" (HTML): text quoted as it was written — the triage lexicon's own patterns and the words
        # children write (kms, unalive) — is data a page shows, not the page's words.
        if self._hidden or tag in HIDDEN or "hidden" in dict(attrs) or dict(attrs).get("translate") == "no":
            self._hidden += 1
            return
        self._spoken(tag, dict(attrs))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if not self._hidden and "hidden" not in dict(attrs):
            self._spoken(tag, dict(attrs))

    def _spoken(self, tag: str, a: dict) -> None:
        if tag == "input" and a.get("type") == "hidden":
            return
        for name in SPOKEN:
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button", "reset") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag not in VOID:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of a page as a visitor reads or hears it, one fragment a line."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "\n".join(" ".join(p.split()) for p in parser.parts)


def wrong_words(text: str, allow: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """What on a zh-hans page is code, a key or English: a list of findings, each with the line it is on."""
    found: list[str] = []
    own = re.compile(
        "|".join(rf"(?<![\w.]){re.escape(t)}(?![\w.])" for t in sorted(allow, key=len, reverse=True))
    )
    for line in text.splitlines():
        if allow:
            line = own.sub(" ", line)
        if m := CODE.search(line):
            found.append(f"code {m.group(0)!r} in {line[:80]!r}")
            continue
        rest = line
        for token in ALLOWED:
            if not token.isalpha():  # PHQ-A, UTF-8, JSON Lines: more than one word to the pattern below
                rest = rest.replace(token, " ")
        rest = ASIDE.sub(" ", rest)
        if m := SNAKE.search(rest):
            found.append(f"key {m.group(0)!r} in {line[:80]!r}")
            continue
        words = [w for w in LATIN_WORD.findall(rest) if w not in ALLOWED and w.strip("-'’") not in ALLOWED]
        words = [w for w in words if len(w) > 1 or not w.isupper()]  # a lone capital is a label (A、B 卷)
        if words:
            found.append(f"English {' '.join(words[:6])!r} in {line[:80]!r}")
    return found


def check_page(html: str, allow: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The findings of ``wrong_words`` for a page's HTML (``page.content()`` in a browser test)."""
    return wrong_words(visible_text(html), allow)
