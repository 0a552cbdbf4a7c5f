"""The translation catalogs: a small .po reader and the two compilers the build runs.

``locale/<lang>/LC_MESSAGES/<domain>.po`` are the one source of truth (edited by people,
updated by ``python3 build.py i18n``). The build compiles them, with the standard library
only (the normal build never needs Babel):

- ``pytfjs.po`` -> ``pytfjs.mo`` (GNU gettext's binary format, read by the standard
  ``gettext`` module in Pyodide and on CPython), into ``<dist>/locale/<lang>/LC_MESSAGES/``
  and into the pytfjs wheel at ``pytfjs/locale/<lang>/LC_MESSAGES/``;
- ``site.po`` -> ``<dist>/locale/<lang>/site.js``, an ES module the page imports:
  ``lang``, ``plural`` (the catalog's Plural-Forms expression, let through only if every
  token is on a short whitelist, so a catalog can never put code into the page) and
  ``messages`` (msgid, or msgctxt + "\\u0004" + msgid, to a string, or for a plural entry
  to the array of its forms).

Untranslated and fuzzy entries are left out of both (the reader falls back to the English
msgid), as GNU msgfmt does.

This file uses the standard library only: pytfjs's own i18n module loads it from the
source tree to compile a catalog on the fly on CPython.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

CONTEXT_SEPARATOR = "\x04"
DOMAINS = ("pytfjs", "site")


class CatalogError(ValueError):
    """A .po file that cannot be read, or a Plural-Forms that is refused."""


@dataclass
class Entry:
    """One message of a catalog."""

    msgid: str
    msgstr: list[str] = field(default_factory=lambda: [""])
    msgctxt: str | None = None
    msgid_plural: str | None = None
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # translator (#) and extracted (#.)
    obsolete: bool = False
    line: int = 0

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def key(self) -> str:
        """The lookup key: ``msgctxt "\\x04" msgid`` (as gettext and site.js use it)."""
        if self.msgctxt is None:
            return self.msgid
        return self.msgctxt + CONTEXT_SEPARATOR + self.msgid

    @property
    def translated(self) -> bool:
        return all(self.msgstr) and bool(self.msgstr)


@dataclass
class Catalog:
    """The entries of one .po file; ``header`` is the header entry's fields."""

    entries: list[Entry]
    header: dict[str, str]
    header_entry: Entry | None = None

    @property
    def messages(self) -> list[Entry]:
        """The real messages: not the header, not the obsolete (``#~``) ones."""
        return [e for e in self.entries if not e.obsolete and e.msgid != ""]

    def plural_forms(self) -> tuple[int, str]:
        return parse_plural_forms(self.header.get("Plural-Forms",
                                                  "nplurals=2; plural=(n != 1);"))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or not text.startswith('"') or not text.endswith('"'):
        raise CatalogError(f"{where}: expected a quoted string, got {text!r}")
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body):
                raise CatalogError(f"{where}: a string ends with a lone backslash")
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt in "01234567":
                digits = re.match(r"[0-7]{1,3}", body[i + 1:])
                assert digits is not None
                out.append(chr(int(digits.group(0), 8)))
                i += 1 + len(digits.group(0))
            else:
                raise CatalogError(f"{where}: unknown escape \\{nxt}")
        elif ch == '"':
            raise CatalogError(f"{where}: an unescaped quote inside a string")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*)$')


def read_po(source: str | Path, name: str | None = None) -> Catalog:
    """Read a .po file (a path, or the text itself): msgctxt, msgid_plural, msgstr[n],
    flags (fuzzy), locations, comments, multi-line strings, escapes, obsolete ``#~``
    entries. Raises :class:`CatalogError` naming the line of a mistake."""
    if isinstance(source, Path):
        name = name or str(source)
        text = source.read_text(encoding="utf-8")
    else:
        text = source
    name = name or "<po>"
    entries: list[Entry] = []
    seen: set[str] = set()
    flags: set[str] = set()
    locations: list[str] = []
    comments: list[str] = []
    last: str | None = None  # the field a continuation line adds to
    strings: dict[str, str] = {}
    plural_strs: dict[int, str] = {}
    start_line = 0
    obsolete = False

    def finish() -> None:
        nonlocal strings, plural_strs, last, obsolete, flags, locations, comments
        if "msgid" not in strings:
            if strings or plural_strs:
                raise CatalogError(f"{name}:{start_line}: an entry without msgid")
            return
        if "msgid_plural" in strings:
            if "msgstr" in strings:
                raise CatalogError(f"{name}:{start_line}: a plural entry needs msgstr[n]")
            if not plural_strs:
                raise CatalogError(f"{name}:{start_line}: a plural entry without msgstr[0]")
            count = max(plural_strs) + 1
            if sorted(plural_strs) != list(range(count)):
                raise CatalogError(f"{name}:{start_line}: msgstr[n] indexes are not 0..n")
            msgstr = [plural_strs[i] for i in range(count)]
        else:
            if plural_strs:
                raise CatalogError(f"{name}:{start_line}: msgstr[n] without msgid_plural")
            if "msgstr" not in strings:
                raise CatalogError(f"{name}:{start_line}: an entry without msgstr")
            msgstr = [strings["msgstr"]]
        entry = Entry(msgid=strings["msgid"], msgstr=msgstr, msgctxt=strings.get("msgctxt"),
                      msgid_plural=strings.get("msgid_plural"),
                      flags=flags, locations=locations, comments=comments,
                      obsolete=obsolete, line=start_line)
        if not entry.obsolete:
            if entry.key in seen:
                raise CatalogError(f"{name}:{start_line}: duplicate message {entry.msgid!r}")
            seen.add(entry.key)
        entries.append(entry)
        strings, plural_strs, last, obsolete = {}, {}, None, False
        flags, locations, comments = set(), [], []

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        is_obsolete = line.startswith("#~")
        if is_obsolete:
            line = line[2:].strip()
            if line.startswith("|"):
                continue  # the previous msgid of an obsolete fuzzy entry
        if not line:
            if not is_obsolete:
                finish()
            continue
        if line.startswith("#") and not is_obsolete:
            if strings:
                finish()
            if line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            elif line.startswith("#:"):
                locations.extend(line[2:].split())
            elif line.startswith("#|"):
                pass  # the previous msgid of a fuzzy entry
            else:  # translator (#) and extracted (#.) comments
                comments.append(line.lstrip("#.").strip())
            continue
        if line.startswith('"'):
            if last is None:
                raise CatalogError(f"{where}: a string continues no keyword")
            piece = _unquote(line, where)
            if last.startswith("msgstr["):
                index = int(last[7:-1])
                plural_strs[index] += piece
            else:
                strings[last] += piece
            continue
        match = _KEYWORD.match(line)
        if not match:
            raise CatalogError(f"{where}: cannot read {raw.strip()!r}")
        keyword, index_text, rest = match.groups()
        if keyword in ("msgctxt", "msgid") and (
                "msgstr" in strings or plural_strs or
                (keyword == "msgctxt" and "msgid" in strings)):
            finish()
        if keyword == "msgctxt" or (keyword == "msgid" and not strings):
            start_line = number
        obsolete = obsolete or is_obsolete
        value = _unquote(rest, where)
        if index_text is not None:
            index = int(index_text)
            if index in plural_strs:
                raise CatalogError(f"{where}: msgstr[{index}] given twice")
            plural_strs[index] = value
            last = f"msgstr[{index}]"
        else:
            if keyword in strings:
                raise CatalogError(f"{where}: {keyword} given twice in one entry")
            strings[keyword] = value
            last = keyword
    finish()

    header: dict[str, str] = {}
    header_entry = None
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None and not entry.obsolete:
            header_entry = entry
            for row in entry.msgstr[0].splitlines():
                if ":" in row:
                    key, value = row.split(":", 1)
                    header[key.strip()] = value.strip()
    return Catalog(entries=entries, header=header, header_entry=header_entry)


# --- Plural-Forms ---------------------------------------------------------------------

# Every token a Plural-Forms expression may hold: n, integers, C's arithmetic, comparison,
# logical and conditional operators, parentheses. Nothing else reaches site.js.
_PLURAL_TOKEN = re.compile(r"\s*(?:(n)|(\d+)|(==|!=|>=|<=|&&|\|\||[<>%*/+\-!?:()]))")


def plural_tokens(expr: str) -> list[str]:
    """The expression's tokens, or :class:`CatalogError` if anything is off the whitelist
    or the parentheses do not balance."""
    tokens: list[str] = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        match = _PLURAL_TOKEN.match(expr, pos)
        if not match or match.end() == pos:
            raise CatalogError(f"Plural-Forms: {expr[pos:pos + 20]!r} is not allowed "
                               "(only n, integers, operators and parentheses)")
        tokens.append(match.group(0).strip())
        pos = match.end()
    depth = 0
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token, 0)
        if depth < 0:
            raise CatalogError("Plural-Forms: unbalanced parentheses")
    if depth or not tokens:
        raise CatalogError("Plural-Forms: unbalanced parentheses or an empty expression")
    if tokens.count("?") != tokens.count(":"):
        raise CatalogError("Plural-Forms: a ? without its :")
    return tokens


def parse_plural_forms(value: str) -> tuple[int, str]:
    """``nplurals=3; plural=(...);`` -> (3, the checked expression)."""
    match = re.fullmatch(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*", value)
    if not match:
        raise CatalogError(f"Plural-Forms: cannot read {value!r}")
    nplurals = int(match.group(1))
    if not 1 <= nplurals <= 6:
        raise CatalogError(f"Plural-Forms: nplurals={nplurals} is out of range")
    expr = match.group(2)
    return nplurals, " ".join(plural_tokens(expr))


# --- .mo ------------------------------------------------------------------------------

def _compiled_entries(catalog: Catalog) -> list[Entry]:
    """The entries both compilers write: translated, not fuzzy, and a plural entry with
    as many forms as the catalog's Plural-Forms says (else CatalogError)."""
    nplurals, _expr = catalog.plural_forms()
    entries = []
    for entry in catalog.messages:
        if entry.fuzzy or not entry.translated:
            continue
        if entry.msgid_plural is not None and len(entry.msgstr) != nplurals:
            raise CatalogError(f"line {entry.line}: {entry.msgid!r} has "
                               f"{len(entry.msgstr)} forms, Plural-Forms says {nplurals}")
        entries.append(entry)
    return entries


def _compiled_pairs(catalog: Catalog) -> list[tuple[bytes, bytes]]:
    pairs: dict[bytes, bytes] = {}
    if catalog.header_entry is not None:
        pairs[b""] = catalog.header_entry.msgstr[0].encode("utf-8")
    for entry in _compiled_entries(catalog):
        key = entry.key if entry.msgid_plural is None else \
            entry.key + "\x00" + entry.msgid_plural
        pairs[key.encode("utf-8")] = "\x00".join(entry.msgstr).encode("utf-8")
    return sorted(pairs.items())


def mo_bytes(catalog: Catalog) -> bytes:
    """The GNU .mo file of ``catalog`` (little-endian, revision 0, no hash table)."""
    pairs = _compiled_pairs(catalog)
    count = len(pairs)
    header_size = 7 * 4
    ids_table = header_size
    strs_table = ids_table + count * 8
    data_start = strs_table + count * 8
    data = bytearray()
    id_offsets: list[tuple[int, int]] = []
    str_offsets: list[tuple[int, int]] = []
    for key, _value in pairs:
        id_offsets.append((len(key), data_start + len(data)))
        data += key + b"\x00"
    for _key, value in pairs:
        str_offsets.append((len(value), data_start + len(data)))
        data += value + b"\x00"
    out = bytearray(struct.pack("<7I", 0x950412DE, 0, count, ids_table, strs_table, 0, 0))
    for length, offset in id_offsets + str_offsets:
        out += struct.pack("<2I", length, offset)
    return bytes(out + data)


# --- site.js --------------------------------------------------------------------------

def site_js(catalog: Catalog, lang: str) -> str:
    """The page's catalog as an ES module (see the module's docstring)."""
    if not re.fullmatch(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", lang):
        raise CatalogError(f"a language code {lang!r} is not allowed")
    nplurals, expr = catalog.plural_forms()
    messages: dict[str, str | list[str]] = {
        entry.key: entry.msgstr[0] if entry.msgid_plural is None else list(entry.msgstr)
        for entry in _compiled_entries(catalog)}
    body = json.dumps(messages, ensure_ascii=False, indent=1, sort_keys=True)
    # JSON is a JavaScript expression except for U+2028/9 in older engines: escape them
    body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (f"// Compiled from locale/{lang}/LC_MESSAGES/site.po by the build: do not edit.\n"
            f"export const lang = {json.dumps(lang)};\n"
            f"export const nplurals = {nplurals};\n"
            f"export const plural = (n) => Number({expr});\n"
            f"export const messages = {body};\n")


# --- the build's step -----------------------------------------------------------------

def languages(locale_dir: Path) -> list[str]:
    """The languages that have catalogs: ``locale/<lang>/LC_MESSAGES/``."""
    return sorted(p.parent.name for p in locale_dir.glob("*/LC_MESSAGES") if p.is_dir())


def compiled_mo_files(locale_dir: Path, domain: str = "pytfjs") -> dict[str, bytes]:
    """``{"<lang>/LC_MESSAGES/<domain>.mo": bytes}`` for every language with that .po."""
    out: dict[str, bytes] = {}
    for lang in languages(locale_dir):
        po = locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"
        if po.is_file():
            out[f"{lang}/LC_MESSAGES/{domain}.mo"] = mo_bytes(read_po(po))
    return out


def write_catalogs(locale_dir: Path, dist: Path) -> list[str]:
    """Compile every catalog into ``dist/locale``: pytfjs.mo and site.js per language.
    Returns the paths written, relative to ``dist``."""
    written: list[str] = []
    for rel, data in compiled_mo_files(locale_dir).items():
        target = dist / "locale" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(f"locale/{rel}")
    for lang in languages(locale_dir):
        po = locale_dir / lang / "LC_MESSAGES" / "site.po"
        if po.is_file():
            target = dist / "locale" / lang / "site.js"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(site_js(read_po(po), lang), encoding="utf-8")
            written.append(f"locale/{lang}/site.js")
    return written
