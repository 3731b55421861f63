"""The plain text of a Slack message as delivered.

Alert bots put their content in ``attachments`` and ``blocks`` as often as in
``text``, so all three are read. Slack markup is removed before matching:
mentions and broadcasts would otherwise look like words, and URLs contain
words ("billing", "budgets") that say nothing about the message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from unicodedata import is_normalized, normalize

from bot.routing.normalize import narrow_full_width
from bot.routing.sources.sns_envelope import unwrap_notification

# Processed text is capped: a 40k-character paste is still routed, a 10 MB one
# cannot slow the bot down.
MAX_TEXT_CHARS = 40_000
# Guards for hostile or broken block trees.
MAX_DEPTH = 24
MAX_PARTS = 2_000

_ATTACHMENT_FIELDS = ("pretext", "title", "text")
_BLOCK_TEXT_KEYS = ("text", "title", "alt_text", "label", "placeholder", "description")

# <...> Slack entities: <@U123>, <#C123|general>, <!here>, <!subteam^S1|@team>,
# <https://x|label>, <mailto:a@b|a@b>, <https://x>.
_ENTITY = re.compile(r"<([^<>\n]{0,2000})>")
# ``\b(?:https?|ftp)://\S+|\bwww\.\S+`` (ignoring case), written to open with a character class:
# then the regex engine skips to each "h", "f" or "w" in C instead of trying the pattern at every
# position of a long payload (a leading ``\b`` or a case-insensitive letter rules that scan out). The
# look-behind after the first letter is the ``\b`` before it; the same matches.
_BARE_URL = re.compile(r"[hHfFwW](?<!\w.)(?:(?<=[hH])(?i:ttps?)://|(?<=[fF])(?i:tp)://|(?<=[wW])(?i:ww)\.)\S+")
_URL_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/)", re.IGNORECASE)


def message_text(message: Mapping) -> str:
    """Text, attachments and blocks of ``message`` as one cleaned string."""
    if type(message) is not dict and not isinstance(message, Mapping):
        return ""
    attachments = message.get("attachments")
    blocks = message.get("blocks")
    if not isinstance(attachments, list) and not isinstance(blocks, list):
        # A person's message: its text alone (the parts below would be just that).
        text = message.get("text")
        raw = text if isinstance(text, str) else ""
        if len(raw) > MAX_TEXT_CHARS * 2:
            raw = raw[: MAX_TEXT_CHARS * 2]
        return clean_mrkdwn(raw)[:MAX_TEXT_CHARS]
    parts: list[str] = []
    _add(parts, message.get("text"))
    if isinstance(attachments, list):
        for attachment in attachments[:100]:
            _attachment_parts(parts, attachment)
    if isinstance(blocks, list):
        _block_parts(parts, blocks, depth=0)
    raw = "\n".join(parts)
    if len(raw) > MAX_TEXT_CHARS * 2:
        raw = raw[: MAX_TEXT_CHARS * 2]
    return clean_mrkdwn(raw)[:MAX_TEXT_CHARS]


def clean_mrkdwn(text: str) -> str:
    """Decode a pasted SNS notification's message, remove Slack markup and URLs, unescape
    &amp; &lt; &gt;, make full-width ASCII forms ASCII, compose accents (NFC)."""
    # First: the envelope's escaped JSON string is decoded before URL removal can cut into it.
    text = unwrap_notification(text)
    if "<" in text:
        text = _ENTITY.sub(_replace_entity, text)
    if "://" in text or "www." in text:
        text = _without_bare_urls(text)
    if "&" in text:
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    # After the markup: a full-width "＜" is a character someone typed, not a Slack entity.
    text = narrow_full_width(text)
    # A client may send "é" as "e" and a combining accent; the words are matched composed (a combining
    # mark is not a word character: "Quién" decomposed would read as "Quie" and "n").
    return text if text.isascii() or is_normalized("NFC", text) else normalize("NFC", text)


def _without_bare_urls(text: str) -> str:
    """``_BARE_URL.sub(" ", text)``, scanned from where the first URL can start: a payload's one link is
    often at its end, and the scan for the letters a URL opens with costs a step per character."""
    lowered = text.lower()
    start = 0
    if len(lowered) == len(text):  # the same positions
        # A URL opens at most five characters ("https") before its "://", or at its "www.".
        scheme, www = text.find("://"), lowered.find("www.")
        start = max(0, min(scheme - 5 if scheme != -1 else len(text), www if www != -1 else len(text)))
    pieces: list[str] = []
    end = 0
    for found in _BARE_URL.finditer(text, start):
        pieces += (text[end : found.start()], " ")
        end = found.end()
    return "".join(pieces) + text[end:] if pieces else text


def _replace_entity(match: re.Match[str]) -> str:
    body = match.group(1)
    if not body:
        return " "
    head = body[0]
    if head in "@!":
        # Mentions, user groups and broadcasts name people, not topics.
        return " "
    if head == "#":
        # A channel name such as #finops-budgets says where, not what.
        return " "
    target, _, label = body.partition("|")
    if _URL_SCHEME.match(target):
        label = label.strip()
        return f" {label} " if label and "://" not in label else " "
    # Not Slack markup (e.g. "<10 GB>" written by a person): keep the words.
    return f" {body} "


def _add(parts: list[str], value: object) -> None:
    if isinstance(value, str) and value and len(parts) < MAX_PARTS:
        parts.append(value)


def _attachment_parts(parts: list[str], attachment: object) -> None:
    if type(attachment) is not dict and not isinstance(attachment, Mapping):
        return
    start = len(parts)
    for key in _ATTACHMENT_FIELDS:
        _add(parts, attachment.get(key))
    fields = attachment.get("fields")
    if isinstance(fields, list):
        for field in fields[:200]:
            if type(field) is dict or isinstance(field, Mapping):
                _add(parts, field.get("title"))
                _add(parts, field.get("value"))
    blocks = attachment.get("blocks")
    if isinstance(blocks, list):
        _block_parts(parts, blocks, depth=1)
    fallback = attachment.get("fallback")
    if isinstance(fallback, str) and fallback and not _repeats(fallback, parts[start:]):
        _add(parts, fallback)


def _repeats(fallback: str, seen: list[str]) -> bool:
    """True when the fallback only restates what the attachment already says."""
    if not seen:
        return False
    body = " ".join(seen)
    pieces = [p.strip() for p in re.split(r"[|\n]", fallback) if p.strip()]
    return all(p in body for p in pieces)


def _block_parts(parts: list[str], node: object, depth: int) -> None:
    if depth > MAX_DEPTH or len(parts) >= MAX_PARTS:
        return
    # Exact types first: isinstance's ABC check for Mapping costs more than the rest of a small block.
    if type(node) is not dict:
        if isinstance(node, list):
            for item in node[:500]:
                _block_parts(parts, item, depth + 1)
            return
        if not isinstance(node, Mapping):
            return
    for key in _BLOCK_TEXT_KEYS:
        value = node.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            _add(parts, value)
        elif type(value) is dict or isinstance(value, (Mapping, list)):
            _block_parts(parts, value, depth + 1)
    for key in ("fields", "elements"):
        value = node.get(key)
        if isinstance(value, list):
            _block_parts(parts, value, depth + 1)
