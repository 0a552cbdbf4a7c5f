"""Files of this site, fetched from Python: data sets, models, metadata the build ships.

Its own module because labs, the data readers, the text models and the package index all
fetch site files, and none of them should depend on the page's prompts or panels to do
it. Only relative paths are fetched: pytfjs never reaches another host.
"""

from __future__ import annotations

import urllib.parse

from . import _compat
from .i18n import _


def site_path(url: str) -> str:
    """``url`` if it names a file on this site; ValueError for anything on another host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("//"):
        raise ValueError(_("{url!r} is not on this site: give a path like data/iris.csv "
                         "(pytfjs never fetches from other hosts)").format(url=url))
    return url


async def fetch_bytes(url: str) -> bytes:
    """Bytes of a file on this site (relative URL)."""
    status, body = await _compat.fetch_bytes(site_path(url))
    if body is None:
        raise FileNotFoundError(_("{url}: the site answered {status}; "
                                "is the file in this build?").format(url=url, status=status))
    return body
