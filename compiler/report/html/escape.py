"""Text and links in the page, written so that decoding the page's character references once
more changes nothing.

Why: Spyglass's HTML lens (Prow's pkg/spyglass/lenses/html) puts the page into an
``<iframe srcdoc="...">`` having replaced only ``"`` with ``&quot;``. The browser decodes the
attribute, so every ``&lt;`` of the page would arrive in the iframe as a real ``<``: text a step
printed (``<img src=x onerror=...>`` in a log) would become markup, in an iframe that may run
scripts with Deck's origin. So the page contains no character reference at all: in text, ``<``
and ``&`` are written as themselves followed by a zero-width space, which the HTML parser reads
as text (a ``<`` not followed by a letter, ``!``, ``/`` or ``?`` opens no tag; an ``&`` not
followed by a name or ``#`` is no reference), and which shows exactly the same. Links are
written as they are or not at all.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
#: What could become markup or a character reference after one more decoding.
_UNSAFE_URL = re.compile(r"[\"'<>\\`\s]|&[A-Za-z0-9#]+;?")


def text(value: object) -> str:
    """``value`` for an element's content (HTML or SVG): shows as it is, makes no markup."""
    return str(value).replace("&", "&" + ZWSP).replace("<", "<" + ZWSP)


def url(value: str | None) -> str | None:
    """``value`` for an ``href``: an http(s) URL that needs no escaping, else None."""
    if not value or not value.startswith(("https://", "http://")) or _UNSAFE_URL.search(value):
        return None
    return value
