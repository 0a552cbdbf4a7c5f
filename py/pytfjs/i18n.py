"""The language pytfjs speaks: every message it prints, asks or raises goes through here.

    from pytfjs.i18n import _, ngettext
    raise ValueError(_("{file}, row {row}: {value!r} is not a number").format(...))
    print(ngettext("{n} file", "{n} files", n).format(n=n))

Standard gettext, domain ``pytfjs``: the English text is the message id (English needs no
catalog), ``locale/<lang>/LC_MESSAGES/pytfjs.po`` in the project holds each translation,
and the build compiles it into ``pytfjs/locale/<lang>/LC_MESSAGES/pytfjs.mo`` inside the
wheel. Plural forms come from the catalog's ``Plural-Forms`` (Ukrainian has three), never
from ``if n == 1`` in code. The lab page calls :func:`set_language` with the page's
language before a lab runs; on CPython the language is English unless ``PYTFJS_LANG``
says otherwise. An unknown language, or one without a catalog, is English.

Run from the source tree (no wheel, so no .mo), the catalog is compiled on the fly from
the project's ``locale/`` with the build's own compiler (``buildlib/make/catalogs.py``).
"""

from __future__ import annotations

import gettext
import importlib.util
import io
import os
import re
from pathlib import Path

DOMAIN = "pytfjs"
LOCALEDIR = Path(__file__).resolve().parent / "locale"
_SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent  # py/pytfjs -> the project

_language = "en"
_translation: gettext.NullTranslations = gettext.NullTranslations()


def _(message: str) -> str:
    """``message`` in the current language (the English text when it has no translation)."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for ``n`` things, by the catalog's plural rule."""
    return _translation.ngettext(singular, plural, int(n))


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, for one context (the same English words can
    need different translations in two places)."""
    return _translation.pgettext(context, message)


def language() -> str:
    """The current language code: "en", "uk", ..."""
    return _language


def _normalize(lang: str) -> str:
    """"uk-UA", "uk_UA.UTF-8", "UK" -> "uk"; anything unreadable -> "en"."""
    match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_.@]|$)", lang or "")
    return match.group(1).lower() if match else "en"


def _source_catalog(lang: str) -> gettext.GNUTranslations | None:
    """The project's ``locale/<lang>/LC_MESSAGES/pytfjs.po``, compiled in memory by
    ``buildlib/make/catalogs.py`` (only when pytfjs runs from the source tree)."""
    po = _SOURCE_ROOT / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    compiler = _SOURCE_ROOT / "buildlib" / "make" / "catalogs.py"
    if not (po.is_file() and compiler.is_file()):
        return None
    spec = importlib.util.spec_from_file_location("_pytfjs_catalogs", compiler)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return gettext.GNUTranslations(io.BytesIO(module.mo_bytes(module.read_po(po))))


def _load(lang: str) -> gettext.NullTranslations | None:
    mo = LOCALEDIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if mo.is_file():
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    return _source_catalog(lang)


_DECIMAL_COMMA = {"uk"}  # languages that write 0,5 (add one here with its catalog)
_cache: dict[str, gettext.NullTranslations | None] = {}


def set_language(lang: str) -> str:
    """Speak ``lang`` ("uk", "en", "uk-UA", ...) from now on; returns the language in use
    ("en" when ``lang`` has no catalog)."""
    global _language, _translation
    code = _normalize(lang)
    if code not in _cache:
        _cache[code] = None if code == "en" else _load(code)
    found = _cache[code]
    _language, _translation = (code, found) if found is not None else (
        "en", gettext.NullTranslations())
    return _language


def number(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals, as the current language writes it: 0.99 in English,
    0,99 in Ukrainian (no thousands separators, as in the lab's printed figures)."""
    return decimals(f"{float(x):.{digits}f}")


def decimals(text: str) -> str:
    """A number already formatted the English way ("0.5", "1.2e-05") with the current
    language's decimal separator."""
    return text.replace(".", ",") if _language in _DECIMAL_COMMA else text


if os.environ.get("PYTFJS_LANG"):
    set_language(os.environ["PYTFJS_LANG"])
