"""Build tooling for pytfjs: vendoring, the Pyodide package set, the site, the server.

Everything here is standard-library Python so that ``python3 build.py`` works on a
fresh machine before anything is installed.
"""
