"""Render planned pages through the Jinja templates into bytes."""
