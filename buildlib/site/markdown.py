"""A deliberately small Markdown subset for lab lessons (no dependency needed).

Supported: ``#``/``##``/``###`` headings, paragraphs, ``-`` bullet lists, ``1.`` numbered
lists, fenced code blocks, `inline code`, **bold**, *italic* and [links](url).
Everything else is escaped and shown as text.
"""

from __future__ import annotations

import html
import re

_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*([^*]+)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)"), r'<a href="\2">\1</a>'),
]


def inline(text: str) -> str:
    out = html.escape(text, quote=True)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def to_html(source: str) -> str:
    """Render the supported subset to an HTML fragment."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    list_tag = ""
    code: list[str] | None = None

    def flush() -> None:
        nonlocal list_tag
        if para:
            blocks.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            blocks.append(f"<{list_tag}>" + "".join(f"<li>{i}</li>" for i in items)
                          + f"</{list_tag}>")
            items.clear()
            list_tag = ""

    for line in source.splitlines():
        if code is not None:
            if line.strip().startswith("```"):
                blocks.append("<pre><code>" + html.escape("\n".join(code)) + "</code></pre>")
                code = None
            else:
                code.append(line)
            continue
        stripped = line.strip()
        heading = re.match(r"^(#{1,3})\s+(.*)$", stripped)
        bullet = re.match(r"^[-*]\s+(.*)$", stripped)
        number = re.match(r"^\d+[.)]\s+(.*)$", stripped)
        if stripped.startswith("```"):
            flush()
            code = []
        elif not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1)) + 1  # the page title is h1
            blocks.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif bullet or number:
            tag = "ul" if bullet else "ol"
            if para or (items and list_tag != tag):
                flush()
            list_tag = tag
            marker = bullet or number
            assert marker is not None  # this branch needs one
            items.append(inline(marker.group(1)))
        elif items and line.startswith(" "):
            items[-1] += " " + inline(stripped)
        else:
            if items:
                flush()
            para.append(stripped)
    if code is not None:
        blocks.append("<pre><code>" + html.escape("\n".join(code)) + "</code></pre>")
    flush()
    return "\n".join(blocks)
