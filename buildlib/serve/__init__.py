"""Delivering dist/: the local server (its headers and policy), the classroom pack,
the Node-RED package."""
