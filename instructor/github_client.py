"""A small client for GitHub's REST API: JSON, pagination, artifact downloads and rate limits.

Only what `course gradebook` needs, and no gradebook logic: errors are raised with messages an
instructor can act on, and nothing is printed. Rate limits are handled as GitHub documents them
(docs.github.com, "Rate limits for the REST API", "Exceeding the rate limit"): a 403 or 429 with
`retry-after` waits that many seconds; with `x-ratelimit-remaining: 0` it waits until
`x-ratelimit-reset` (epoch seconds); otherwise (a secondary limit) it waits a minute, doubling on
each retry. Every wait is bounded by ``max_wait`` and the number of retries by ``max_retries``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

import requests

from harness import __version__
from harness.settings import ENV_GITHUB_API_URL, ENV_GITHUB_TOKEN

ACCEPT = "application/vnd.github+json"
API_VERSION = "2022-11-28"
USER_AGENT = f"course-gradebook/{__version__} (+python-requests)"
PER_PAGE = 100
MAX_PAGES = 50  # 5,000 items: far more forks, repositories or runs than one cohort has
SECONDARY_WAIT = 60.0  # seconds: GitHub's advice when a rate-limit answer carries no header
SERVER_RETRY_WAIT = 2.0  # seconds before retrying a 5xx or a timeout (doubled on each retry)
DOWNLOAD_CHUNK = 64 * 1024
RATE_LIMIT_STATUSES = (403, 429)
ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")

NOT_FOUND = (
    "GitHub answered 404 Not Found for {url}: it does not exist, or it is private and the token cannot "
    "read it. Check the name, or set {env} to a token with read access to it."
)
BAD_TOKEN = "GitHub answered 401 Bad credentials for {url}: the token in {env} is wrong or expired. Create a new one and set {env}."
NO_TOKEN = (
    "GitHub answered 401 for {url}: this needs a token (artifact downloads do, even from public "
    "repositories). Set {env} to a token with read access to the cohort's repositories."
)
FORBIDDEN = (
    "GitHub answered 403 Forbidden for {url} ({message}): the token may not read this. Give it read "
    "access to Actions and Metadata on the cohort's repositories, then run again."
)
RATE_LIMITED = (
    "GitHub's rate limit stops {url}: it resets at {reset} ({seconds:.0f} s from now), later than the "
    "longest wait allowed ({max_wait:g} s). Run again after {reset}, or allow a longer wait (--max-wait)."
)
STILL_LIMITED = (
    "GitHub still answered {status} (rate limit) for {url} after {retries} retries. Wait a few minutes, "
    "then run again."
)
SERVER_ERROR = (
    "GitHub answered {status} for {url} {tries} times in a row: GitHub is having trouble "
    "(see https://www.githubstatus.com). Run again later."
)
TIMED_OUT = "GitHub did not answer {url} within {timeout:g} s, {tries} times in a row. Check the network, then run again."
UNREACHABLE = (
    "Cannot reach GitHub at {url}: {error}. Check the network, and {api_env} if you set it "
    "(it must be the API's address, e.g. https://api.github.com)."
)
UNEXPECTED_STATUS = "GitHub answered {status} for {url} ({message}); expected 200. Check the address, then run again."
NOT_JSON = (
    "GitHub's answer to {url} is not JSON ({detail}): is {api_env} the API's address "
    "(e.g. https://api.github.com)? Fix it, then run again."
)
TOO_MANY_PAGES = "{url} has more than {pages} pages of results; expected fewer. Narrow the query (e.g. a name prefix)."
TOO_LARGE = "the download from {url} is larger than {limit:g} MB; expected a small grade report. It was not read."


class GitHubError(Exception):
    """Anything that stops one request: the message says what happened and what to do."""


class NotFound(GitHubError):
    """404: missing, or private and not readable with this token."""


class AccessDenied(GitHubError):
    """401 (no or bad token) or 403 without a rate limit."""


class Unauthorized(AccessDenied):
    """401: no token where one is needed, or a wrong one. No later request can do better."""


class TooLarge(GitHubError):
    """A download bigger than the caller allows: it was not read to the end."""


class RateLimited(GitHubError):
    """A rate limit lasts longer than the caller agreed to wait: stop asking until ``reset_at``."""

    def __init__(self, message: str, reset_at: float | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


def _clock_text(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _message(response: requests.Response) -> str:
    """GitHub's own words from an error answer, short."""
    try:
        body = response.json()
    except ValueError:
        body = None
    text = body.get("message") if isinstance(body, dict) else None
    return str(text or response.reason or "no message")[:200]


def _header_number(response: requests.Response, name: str) -> float | None:
    try:
        return float(response.headers[name])
    except (KeyError, ValueError):
        return None


def is_rate_limited(response: requests.Response) -> bool:
    """GitHub's sign of a rate limit: a 403/429 with its headers, or a 429, or a message saying so."""
    if response.status_code not in RATE_LIMIT_STATUSES:
        return False
    if response.status_code == 429 or "retry-after" in response.headers:
        return True
    if _header_number(response, "x-ratelimit-remaining") == 0:
        return True
    return "rate limit" in _message(response).lower()  # secondary limits may come without headers


class GitHubClient:
    """GET-only access to the REST API at ``base_url`` (https://api.github.com or a GHES /api/v3)."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str | None,
        max_wait: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_retries: int = 3,
        timeout: float = 30,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.max_retries = max_retries
        self.timeout = timeout
        self.has_token = bool(token)
        self.session = requests.Session()
        self.session.headers.update({"Accept": ACCEPT, "X-GitHub-Api-Version": API_VERSION, "User-Agent": USER_AGENT})
        if token:
            # requests drops this header when a redirect leaves the host or port (artifact storage).
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url, path_or_url.lstrip("/"))

    def _rate_limit_wait(self, response: requests.Response, attempt: int) -> tuple[float, float]:
        """Seconds to wait before retrying, and the moment (epoch) the limit lifts."""
        now = self.clock()
        retry_after = _header_number(response, "retry-after")
        if retry_after is not None:
            wait = max(retry_after, 0.0)
        elif _header_number(response, "x-ratelimit-remaining") == 0 and _header_number(response, "x-ratelimit-reset") is not None:
            reset = _header_number(response, "x-ratelimit-reset") or now
            wait = max(reset - now, 0.0) + 1.0  # +1 s: the reset second itself may still be limited
        else:
            wait = SECONDARY_WAIT * 2**attempt
        return wait, now + wait

    def request(self, path_or_url: str, *, params: dict[str, Any] | None = None, stream: bool = False) -> requests.Response:
        """One GET, retried on rate limits (bounded waits), 5xx answers and timeouts; 200 or an error."""
        url = self.url(path_or_url)
        limited = failed = 0
        while True:
            try:
                response = self.session.get(url, params=params, timeout=self.timeout, stream=stream)
            except requests.Timeout:
                failed += 1
                if failed > self.max_retries:
                    raise GitHubError(TIMED_OUT.format(url=url, timeout=self.timeout, tries=failed)) from None
                self.sleep(min(SERVER_RETRY_WAIT * 2 ** (failed - 1), self.max_wait))
                continue
            except requests.RequestException as error:
                raise GitHubError(UNREACHABLE.format(url=url, error=_reason(error), api_env=ENV_GITHUB_API_URL)) from None
            status = response.status_code
            if status == 200:
                return response
            response.close()
            if is_rate_limited(response):
                wait, reset_at = self._rate_limit_wait(response, limited)
                if wait > self.max_wait:
                    seconds = reset_at - self.clock()
                    message = RATE_LIMITED.format(url=url, reset=_clock_text(reset_at), seconds=seconds, max_wait=self.max_wait)
                    raise RateLimited(message, reset_at)
                limited += 1
                if limited > self.max_retries:
                    raise RateLimited(STILL_LIMITED.format(status=status, url=url, retries=self.max_retries), reset_at)
                self.sleep(wait)
                continue
            if status >= 500:
                failed += 1
                if failed > self.max_retries:
                    raise GitHubError(SERVER_ERROR.format(status=status, url=url, tries=failed))
                self.sleep(min(SERVER_RETRY_WAIT * 2 ** (failed - 1), self.max_wait))
                continue
            raise _error_for(response, url, has_token=self.has_token)

    def get_json(self, path_or_url: str, params: dict[str, Any] | None = None) -> Any:
        response = self.request(path_or_url, params=params)
        try:
            return response.json()
        except ValueError as error:
            detail = f"{response.headers.get('content-type', 'no content type')}: {error}"
            raise GitHubError(NOT_JSON.format(url=response.url, detail=detail, api_env=ENV_GITHUB_API_URL)) from None

    def paginate(
        self, path: str, params: dict[str, Any] | None = None, *, key: str | None = None, max_pages: int = MAX_PAGES
    ) -> Iterator[Any]:
        """Every item of a listing, page by page through the `Link: <...>; rel="next"` header.

        ``key``: the listing's field when GitHub wraps it in an object (`workflow_runs`, `artifacts`).
        """
        url: str | None = self.url(path)
        query: dict[str, Any] | None = {"per_page": PER_PAGE, **(params or {})}
        for _ in range(max_pages):
            assert url is not None
            response = self.request(url, params=query)
            try:
                body = response.json()
            except ValueError as error:
                raise GitHubError(NOT_JSON.format(url=response.url, detail=str(error), api_env=ENV_GITHUB_API_URL)) from None
            items = body.get(key) if key and isinstance(body, dict) else body
            if not isinstance(items, list):
                expected = f"an object with a list {key!r}" if key else "a list"
                raise GitHubError(NOT_JSON.format(url=response.url, detail=f"expected {expected}", api_env=ENV_GITHUB_API_URL))
            yield from items
            url = response.links.get("next", {}).get("url")
            if not url:
                return
            query = None  # the next link carries the query
        raise GitHubError(TOO_MANY_PAGES.format(url=self.url(path), pages=max_pages))

    def download(self, url: str, *, max_bytes: int) -> bytes:
        """A file's bytes (an artifact zip: GitHub redirects to storage, where the token is not sent)."""
        response = self.request(url, stream=True)
        with response:
            declared = _header_number(response, "content-length")
            if declared is not None and declared > max_bytes:
                raise TooLarge(TOO_LARGE.format(url=_without_query(url), limit=max_bytes / 1e6))
            data = bytearray()
            try:
                for chunk in response.iter_content(DOWNLOAD_CHUNK):
                    data += chunk
                    if len(data) > max_bytes:
                        raise TooLarge(TOO_LARGE.format(url=_without_query(url), limit=max_bytes / 1e6))
            except requests.RequestException as error:
                raise GitHubError(UNREACHABLE.format(url=_without_query(url), error=_reason(error), api_env=ENV_GITHUB_API_URL)) from None
        return bytes(data)


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]  # storage URLs carry signatures: keep them out of messages


def _reason(error: requests.RequestException) -> str:
    """The root cause in a few words ("[Errno 111] Connection refused"), not urllib3's nested repr."""
    text = str(error)
    found = ERRNO.search(text)
    return found.group(0) if found else text[:200]


def _error_for(response: requests.Response, url: str, *, has_token: bool) -> GitHubError:
    status, url = response.status_code, _without_query(url)
    if status == 404:
        return NotFound(NOT_FOUND.format(url=url, env=ENV_GITHUB_TOKEN))
    if status == 401:
        return Unauthorized((BAD_TOKEN if has_token else NO_TOKEN).format(url=url, env=ENV_GITHUB_TOKEN))
    if status == 403:
        return AccessDenied(FORBIDDEN.format(url=url, message=_message(response)))
    return GitHubError(UNEXPECTED_STATUS.format(status=status, url=url, message=_message(response)))
