"""Headless Chromium for the gradebook's screenshot and DOM checks: found once, called one way.

Used by scripts/gradebook_screenshot.py and tests/instructor/test_gradebook_html.py. The browser is the one named
by $COURSE_CHROMIUM, else the first of `chromium` (Debian), `chromium-browser` (Ubuntu) and
`google-chrome` (GitHub's ubuntu runners ship it) on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

ENV_CHROMIUM = "COURSE_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 90.0
WINDOW = (1400, 900)
# Without these a headless browser on a machine with no outside network hangs on connections it tries
# (component updates, sync, QUIC); the sandbox needs user namespaces that containers often lack.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
JS_BUDGET_MS = 2000  # virtual time for the page's script to run before the DOM is dumped
NO_CHROMIUM = (
    "No Chromium found: looked for ${env} and for {names} on PATH. The gradebook's HTML is checked in a "
    "real browser. Install Chromium (Debian: apt-get install chromium; Ubuntu: apt-get install "
    "chromium-browser) or set {env} to a Chrome or Chromium executable."
)
NOT_EXECUTABLE = "${env} is {path!r}, which is not an executable: set it to a Chrome or Chromium binary, or unset it."
BROWSER_FAILED = "{browser} {action} failed (exit {code}); expected {target}. Its output:\n{output}"


class ChromiumError(RuntimeError):
    pass


def find_chromium(environ: Mapping[str, str] | None = None) -> str:
    """The browser's path; ChromiumError (with how to install one) when there is none."""
    environ = os.environ if environ is None else environ
    named = environ.get(ENV_CHROMIUM, "").strip()
    if named:
        found = shutil.which(named)
        if not found:
            raise ChromiumError(NOT_EXECUTABLE.format(env=ENV_CHROMIUM, path=named))
        return found
    for name in CANDIDATES:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return found
    raise ChromiumError(NO_CHROMIUM.format(env=ENV_CHROMIUM, names=", ".join(CANDIDATES)))


def _run(browser: str, arguments: list[str], *, action: str, target: str) -> str:
    with tempfile.TemporaryDirectory(prefix="course-chromium-") as profile:
        command = [browser, *FLAGS, f"--user-data-dir={profile}", *arguments]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-3000:]
        raise ChromiumError(BROWSER_FAILED.format(browser=browser, action=action, code=done.returncode, target=target, output=output))
    return done.stdout


def _url(page: Path, fragment: str) -> str:
    return page.resolve().as_uri() + (f"#{fragment}" if fragment else "")


def screenshot(page: Path, png: Path, *, browser: str, fragment: str = "", window: tuple[int, int] = WINDOW) -> Path:
    """A PNG of `file://PAGE#FRAGMENT` as a window of that size shows it, once its script ran."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    size = f"--window-size={window[0]},{window[1]}"
    arguments = [size, f"--virtual-time-budget={JS_BUDGET_MS}", f"--screenshot={png.resolve()}", _url(page, fragment)]
    _run(browser, arguments, action="--screenshot", target=f"a PNG at {png}")
    if not png.is_file():
        raise ChromiumError(BROWSER_FAILED.format(browser=browser, action="--screenshot", code=0, target=f"a PNG at {png}", output="(none written)"))
    return png


def dump_dom(page: Path, *, browser: str, fragment: str = "") -> str:
    """The DOM after the page's script ran, for `file://PAGE#FRAGMENT`."""
    url = _url(page, fragment)
    return _run(browser, [f"--virtual-time-budget={JS_BUDGET_MS}", "--dump-dom", url], action="--dump-dom", target=f"the DOM of {url}")
