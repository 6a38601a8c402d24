"""Browser-test harness: headless Debian Chromium (pytest-playwright) against pytest-django's
live server, which runs in this process on committed data (``transactional_db``).

Fixtures and helpers for journeys:

- ``browser_world``: the root conftest's personas (``world``) built under ``transactional_db``, so
  the live server's threads can read them.
- ``page``: a fresh browser context and page per test. The viewport defaults to a 1366px laptop;
  parametrize ``viewport`` indirectly for a phone: ``@pytest.mark.parametrize("viewport", ["phone"],
  indirect=True)``. ``open_page(viewport)`` opens further pages in their own contexts (a second
  person, with their own cookies).
- ``login(page, live_server, user, totp=None)``: the real allauth sign-in form, then the TOTP
  page when one appears. Returns whether a code was asked for.
- ``snap(page, name)``: a full-page screenshot in ``test-artifacts/screenshots/`` (kept on success).
- On failure, every open page of the test is saved as ``FAILED--<test>.png`` in the same folder.
- Console errors (a CSP violation, a JavaScript error) and failed static requests fail the test.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from accounts.factories import DEMO_PASSWORD

from .axe import check_a11y, start_report

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls from
# test code (and the live server shares the process). Safe here: one thread drives the browser.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]

VIEWPORTS = {
    # A common phone (iPhone 12-15 class); touch, mobile meta viewport honoured.
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    # The most common school laptop screen.
    "laptop": {"viewport": {"width": 1366, "height": 768}, "is_mobile": False, "has_touch": False},
}

DEFAULT_TIMEOUT_MS = 10_000  # how long Playwright waits for an element/navigation before failing


# --- collection ---------------------------------------------------------------------------------

@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            # pytest-playwright 0.10.0's own base_url fallback trips a pytest 9 deprecation: not ours.
            item.add_marker(pytest.mark.filterwarnings(
                "ignore:Session-scoped fixtures defined as instance methods are deprecated"))


@pytest.fixture(scope="session", autouse=True)
def _fresh_axe_report():
    start_report()  # test-artifacts/axe-violations.jsonl lists this run's violations only


# --- browser ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Reduced motion makes Bootstrap's collapse/fade instant: fewer in-between states to wait on.
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London",
            "reduced_motion": "reduce"}


@pytest.fixture
def viewport(request) -> str:
    """"laptop" (default) or "phone"; parametrize with ``indirect=True``."""
    name = getattr(request, "param", "laptop")
    if name not in VIEWPORTS:
        raise pytest.UsageError(f"Unknown viewport {name!r}: use one of {sorted(VIEWPORTS)}")
    return name


class BrowserProblems:
    """Console errors and failed requests seen by a page (CSP violations show up as console errors)."""

    IGNORED_CONSOLE = (
        # Chromium logs every 4xx/5xx response, the document's too (a 400 for a form with errors, a 404
        # a journey asks for). Failed subresources are caught, with their address, by _on_response.
        re.compile(r"^Failed to load resource: the server responded with a status of"),
    )

    def __init__(self, page):
        self.items: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.items.append(f"JavaScript error on {page.url}: {exc}"))
        page.on("response", self._on_response)

    def _on_console(self, message):
        if message.type == "error" and not any(p.search(message.text) for p in self.IGNORED_CONSOLE):
            where = message.location.get("url", "") if message.location else ""
            self.items.append(f"console error: {message.text}" + (f" (at {where})" if where else ""))

    def _on_response(self, response):
        request = response.request
        if response.status >= 400 and request.resource_type != "document" and not request.url.endswith(
            "/favicon.ico"
        ):
            self.items.append(f"{response.status} for {request.resource_type} {request.url}")


@pytest.fixture
def open_page(new_context, request):
    """Open a page in a new browser context (own cookies) at a named viewport."""
    opened = []
    request.node._browser_pages = opened

    def _open(viewport: str = "laptop"):
        context = new_context(**VIEWPORTS[viewport])
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()
        opened.append((page, BrowserProblems(page)))
        return page

    yield _open
    problems = [p for _, watcher in opened for p in watcher.items]
    if problems and not _failed(request.node):
        pytest.fail("The browser reported problems:\n" + "\n".join(f"- {p}" for p in problems), pytrace=False)


@pytest.fixture
def page(open_page, viewport):
    """A fresh context and page for each test (replaces pytest-playwright's ``page``)."""
    return open_page(viewport)


def _failed(item) -> bool:
    return any(getattr(item, f"rep_{when}", None) is not None and getattr(item, f"rep_{when}").failed
               for when in ("setup", "call"))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:150]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when not in ("setup", "call") or not report.failed:
        return
    pages = [p for p, _ in getattr(item, "_browser_pages", []) if not p.is_closed()]
    for index, page in enumerate(pages, start=1):
        suffix = f"--{index}" if len(pages) > 1 else ""
        path = SCREENSHOTS / f"FAILED--{_slug(item.nodeid.split('::', 1)[-1])}{suffix}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True, timeout=5_000)
        except PlaywrightError as exc:
            report.sections.append(("browser screenshot", f"could not save a screenshot: {exc}"))
        else:
            report.sections.append(("browser screenshot", f"{page.url}\nsaved to {path.relative_to(ROOT)}"))


# --- data ---------------------------------------------------------------------------------------

@pytest.fixture
def browser_world(transactional_db, world):
    """The shared personas, committed so the live server (other threads, other connections) sees them.

    The root ``world`` fixture asks for ``db``; pytest-django gives ``transactional_db`` precedence
    when both are requested in one test, so the same builder runs without the rollback-only
    wrapper and the tables are flushed after the test instead."""
    return world


# --- helpers ------------------------------------------------------------------------------------

TOUCH_TARGET_PX = 44  # the smallest comfortable touch target (WCAG 2.5.5)


def assert_touch_size(locator, what: str, px: int = TOUCH_TARGET_PX) -> None:
    """Every element the locator finds is at least `px` tall: a TA taps it one-handed."""
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        assert box and box["height"] >= px, f"{what} #{i + 1} is {box and box['height']}px tall"


def snap_to(folder: Path):
    """A ``shot(page, name)`` that snaps as ``snap`` does and also keeps a copy in `folder`
    (e.g. /tmp/shots/<app>) to look at after the run."""
    def shot(page, name: str) -> None:
        snap(page, name)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}--{page.viewport_size['width']}px.png"), full_page=True)
    return shot


def snap(page, name: str) -> Path:
    """Save a full-page screenshot named after the page and viewport width; kept on success."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = SCREENSHOTS / f"{_slug(name)}--{width}px.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def _code_source(totp):
    import conftest as root  # the project's root conftest (personas, TOTP secret)

    if totp is None:
        return lambda: root.totp_code(root.TOTP_SECRET)
    if callable(totp):
        return totp
    return lambda: root.totp_code(totp)


def login(page, live_server, user, totp=None, *, password: str = DEMO_PASSWORD, check: bool = True,
          shots: str | None = None) -> bool:
    """Sign in through allauth's form (field "login" = email, "password"); if the two-factor page
    appears, fill its "code" field. ``totp``: a base32 secret or a function returning a code; by
    default the personas' secret. Every page on the way is checked with axe (``check=False`` to skip);
    ``shots="prefix"`` also photographs them.

    Returns True when a code was asked for. A code can fall on the edge of its 30-second window (the
    app allows no tolerance), so one rejected code is retried once with a fresh one."""
    page.goto(f"{live_server.url}/accounts/login/")
    if check:
        check_a11y(page, "sign in")
    if shots:
        snap(page, f"{shots}-sign-in")
    page.locator('input[name="login"]').fill(user.email)
    page.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="Sign in").click()
    if "/accounts/login/" in page.url:
        errors = page.locator(".alert-danger, .invalid-feedback").all_inner_texts()
        raise AssertionError(f"Sign-in as {user.email} failed: {errors}")
    if "/accounts/2fa/authenticate/" not in page.url:
        return False
    if check:
        check_a11y(page, "two-factor code")
    if shots:
        snap(page, f"{shots}-two-factor")
    next_code = _code_source(totp)
    for _attempt in range(2):
        page.locator('input[name="code"]').fill(next_code())
        with page.expect_navigation():
            page.locator("main").get_by_role("button", name="Continue").click()
        if "/accounts/2fa/authenticate/" not in page.url:
            return True
    errors = page.locator(".alert-danger, .invalid-feedback").all_inner_texts()
    raise AssertionError(f"Two-factor code for {user.email} was refused twice: {errors}")


def open_menu(page) -> None:
    """On a narrow screen the main navigation is behind the Menu button: open it."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#nav").wait_for(state="visible")


def nav_to(page, link_name: str) -> None:
    """Follow a link in the main navigation, opening the phone menu (and "More") first if needed."""
    open_menu(page)
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=link_name, exact=True)
    if not link.is_visible():
        nav.get_by_role("button", name="More").click()
    with page.expect_navigation():
        link.click()


def sign_out(page) -> None:
    """Sign out from the account menu (the school's name on the bar)."""
    open_menu(page)
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("button.school-name").click()
    with page.expect_navigation():
        nav.get_by_role("button", name="Sign out").click()
