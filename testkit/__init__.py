"""Helpers shared by tests/, bench/ and docs/: the browser harness (serving the built site,
the loopback guard, waiting on the page), the three engines' drivers, and the pictures,
models and hostile files the tests make at run time. Nothing here is a test; tests/ holds
only tests, their fixtures and conftest.py."""
