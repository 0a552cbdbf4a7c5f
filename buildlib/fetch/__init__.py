"""Fetching the pinned inputs: the pin table, sha256 checks, npm, PyPI, Debian and
Pyodide's packages. Nothing here makes or writes the site."""
