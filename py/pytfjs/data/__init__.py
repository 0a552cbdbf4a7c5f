"""Data loading for the labs: CSV tables (``pytfjs.data.csv``).

Pure Python (numpy, pandas): it runs on CPython too, so it is tested without a browser.
"""
