"""Links to posts: only web addresses (http, https) become links; anything else is shown as text."""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

SAFE_SCHEMES = ("http", "https")


def safe_url(url) -> str | None:
    """``url`` when it is an absolute http(s) address with a host, else ``None`` (``javascript:``, data...)."""
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    if any(ord(c) < 32 for c in text):
        return None
    parts = urlsplit(text)
    return text if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else None


def post_link(url, label_html: str) -> str:
    """``label_html`` (already escaped) as a link to the post, or as it is when the address is not safe."""
    target = safe_url(url)
    if target is None:
        return label_html
    return f'<a href="{escape(target, quote=True)}" rel="noopener noreferrer nofollow">{label_html}</a>'
