"""Browser journeys: headless Chromium (Playwright) against pytest-django's live server, with axe-core.

See docs/testing.md. Everything in this folder is marked ``browser``: run it alone with
``-m browser`` or leave it out with ``-m "not browser"``.
"""
