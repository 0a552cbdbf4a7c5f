"""``python3 build.py i18n``: extract the messages with Babel, write the templates
(``locale/<domain>.pot``) and bring every ``locale/<lang>/LC_MESSAGES/<domain>.po`` up to
date (new messages empty, changed ones fuzzy, gone ones dropped).

Two domains:

- ``pytfjs``: ``py/pytfjs/**.py``, keywords ``_``, ``ngettext``, ``pgettext``;
- ``site``: ``site/**.js`` with Babel's JavaScript extractor, keywords ``t``, ``nt`` (plural)
  and ``tp`` (context first), and ``site/*.html`` with :func:`extract_html`: an element
  with ``data-i18n`` gives its text (or the attribute's value when it has one), and
  ``data-i18n-attrs="aria-label title"`` gives those attributes' values;
  ``data-i18n-context`` sets the context of both.

Babel is a test requirement (``.venv``), never the normal build's: ``build.py i18n`` runs
this module with ``.venv/bin/python``.
"""

from __future__ import annotations

import html.parser
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent.parent
LOCALE = ROOT / "locale"
PROJECT = "pytfjs"
COMMENT_TAGS = ("TRANSLATORS:",)

PY_KEYWORDS: dict[str, Any] = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
JS_KEYWORDS: dict[str, Any] = {"t": None, "nt": (1, 2), "tp": ((1, "c"), 2)}


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}


class _HtmlMessages(html.parser.HTMLParser):
    """The ``data-i18n`` messages of one HTML page: (line, context, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str | None, str]] = []
        # the data-i18n element whose text is being read: [line, context, depth, parts]
        self._open: tuple[int, str | None, list[int], list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v or "") for k, v in attrs}
        line = self.getpos()[0]
        context = values.get("data-i18n-context") or None
        for name in values.get("data-i18n-attrs", "").split():
            if values.get(name, "").strip():
                self.found.append((line, context, " ".join(values[name].split())))
        if self._open is not None:
            if tag not in _VOID:
                self._open[2][0] += 1
            return
        if "data-i18n" in values:
            if values["data-i18n"].strip():
                self.found.append((line, context, " ".join(values["data-i18n"].split())))
            elif tag not in _VOID:
                self._open = (line, context, [1], [])

    def handle_endtag(self, tag: str) -> None:
        if self._open is None or tag in _VOID:
            return
        self._open[2][0] -= 1
        if self._open[2][0] == 0:
            line, context, _depth, parts = self._open
            self._open = None
            text = " ".join("".join(parts).split())
            if text:
                self.found.append((line, context, text))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[3].append(data)


def extract_html(fileobj: IO[bytes], keywords: object, comment_tags: object,
                 options: dict[str, Any]) -> Iterator[tuple[int, str, str | tuple[str, ...],
                                                             list[str]]]:
    """A Babel extraction method for the site's HTML pages (see the module docstring)."""
    parser = _HtmlMessages()
    parser.feed(fileobj.read().decode(options.get("encoding", "utf-8")))
    parser.close()
    for line, context, text in parser.found:
        if context is None:
            yield line, "_", text, []
        else:
            yield line, "pgettext", (context, text), []


def _template(domain: str) -> Any:
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project=PROJECT, domain=domain, fuzzy=False, header_comment=(
                          f"# Messages of pytfjs's {domain} domain: made by `python3 build.py "
                          "i18n`, do not edit\n#"), version="1",
                      msgid_bugs_address="https://github.com/", charset="utf-8")
    runs: list[tuple[Path, list[tuple[str, str]], dict[str, Any], dict[str, Any]]]
    if domain == "pytfjs":
        runs = [(ROOT / "py", [("pytfjs/**.py", "python")], PY_KEYWORDS, {})]
    else:
        runs = [(ROOT / "site", [("**.js", "javascript"),
                                 ("*.html", f"{__name__}:extract_html")],
                 {**JS_KEYWORDS, "_": None, "pgettext": ((1, "c"), 2)},
                 {"**.js": {"parse_template_string": True, "jsx": False}})]
    for base, method_map, keywords, options in runs:
        for filename, lineno, message, comments, context in extract_from_dir(
                base, method_map, options, keywords=keywords, comment_tags=COMMENT_TAGS,
                strip_comment_tags=True):
            where = (base / filename).relative_to(ROOT).as_posix()
            if "/vendor/" in f"/{where}":
                continue
            flags = ("python-brace-format",) if "{" in str(message) else ()
            catalog.add(message, None, [(where, lineno)], auto_comments=comments,
                        context=context, flags=flags)
    return catalog


def _write(catalog: Any, path: Path, **options: Any) -> None:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=96, **options)
    new = buffer.getvalue()
    if path.is_file() and _without_dates(path.read_bytes()) == _without_dates(new):
        return  # only the dates would change: keep the file (and git's diff) as it is
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)


def _without_dates(data: bytes) -> bytes:
    return re.sub(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\n', b"", data, flags=re.M)


def templates() -> dict[str, Any]:
    """A fresh extraction: ``{domain: babel Catalog}`` (the tests compare it with the .pot)."""
    return {domain: _template(domain) for domain in ("pytfjs", "site")}


def update(locale_dir: Path = LOCALE) -> dict[str, dict[str, int]]:
    """Write the .pot files and update each language's .po; returns, per .po file, how many
    messages it has and how many are untranslated or fuzzy."""
    from babel.messages.pofile import read_po

    counts: dict[str, dict[str, int]] = {}
    for domain, template in templates().items():
        _write(template, locale_dir / f"{domain}.pot")
        for lang_dir in sorted(p for p in locale_dir.iterdir() if (p / "LC_MESSAGES").is_dir()):
            po = lang_dir / "LC_MESSAGES" / f"{domain}.po"
            if po.is_file():
                with po.open("rb") as fh:
                    catalog = read_po(fh, locale=lang_dir.name, domain=domain)
            else:
                from babel.messages.catalog import Catalog

                catalog = Catalog(locale=lang_dir.name, domain=domain, project=PROJECT,
                                  fuzzy=False, charset="utf-8")
            catalog.update(template, update_creation_date=False)
            catalog.fuzzy = False
            catalog.obsolete.clear()  # gone messages are dropped, not kept as #~
            _write(catalog, po, ignore_obsolete=True)
            messages = [m for m in catalog if m.id]
            counts[po.relative_to(locale_dir.parent).as_posix()] = {
                "messages": len(messages),
                "untranslated": sum(1 for m in messages if not m.string or (
                    isinstance(m.string, (list, tuple)) and not all(m.string))),
                "fuzzy": sum(1 for m in messages if m.fuzzy),
            }
    return counts


def main() -> int:
    counts = update()
    for path, c in counts.items():
        print(f"{path}: {c['messages']} messages, {c['untranslated']} untranslated, "
              f"{c['fuzzy']} fuzzy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
