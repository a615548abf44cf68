"""The GitHub REST client, over real HTTP against a local fake GitHub (tests/fake_github.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from fake_github import SECONDARY_LIMIT_MESSAGE, Answer, FakeGitHub, zip_of

from instructor.github_client import (
    ACCEPT,
    API_VERSION,
    BAD_TOKEN,
    FORBIDDEN,
    NO_TOKEN,
    NOT_FOUND,
    NOT_JSON,
    SECONDARY_WAIT,
    SERVER_ERROR,
    STILL_LIMITED,
    TOO_MANY_PAGES,
    AccessDenied,
    GitHubClient,
    GitHubError,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
)

TOKEN = "test-token"
TEMPLATE = "teacher/course-template"
FORKS = [f"student{number}/course-template" for number in range(1, 6)]


class Sleeps(list[float]):
    """Records each wait; really sleeps only when asked to (the rate-limit reset must pass)."""

    def __init__(self, real: bool = False) -> None:
        super().__init__()
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.real:
            time.sleep(seconds)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN, page_size=2) as fake:
        fake.add_repo(TEMPLATE)
        for name in FORKS:
            fake.add_fork(TEMPLATE, name)
        yield fake


def client_for(fake: FakeGitHub, *, token: str | None = TOKEN, max_wait: float = 10, sleep: Sleeps | None = None,
               max_retries: int = 3) -> GitHubClient:
    return GitHubClient(base_url=fake.api_url, token=token, max_wait=max_wait, sleep=Sleeps() if sleep is None else sleep, max_retries=max_retries)


def test_pagination_follows_the_link_header_to_the_last_page_and_stops(github: FakeGitHub) -> None:
    forks = list(client_for(github).paginate(f"repos/{TEMPLATE}/forks", {"sort": "oldest"}))

    assert [fork["full_name"] for fork in forks] == FORKS
    asked = github.requests_to(f"/repos/{TEMPLATE}/forks")
    assert [request.query.get("page", "1") for request in asked] == ["1", "2", "3"]
    assert all(request.query["sort"] == "oldest" and request.query["per_page"] == "100" for request in asked)
    assert 'rel="next"' not in asked[-1].answer_headers.get("Link", "")


def test_pagination_gives_up_past_its_page_bound_instead_of_looping(github: FakeGitHub) -> None:
    with pytest.raises(GitHubError) as raised:
        list(client_for(github).paginate(f"repos/{TEMPLATE}/forks", max_pages=2))

    assert str(raised.value) == TOO_MANY_PAGES.format(url=f"{github.api_url}/repos/{TEMPLATE}/forks", pages=2)
    assert len(github.requests_to(f"/repos/{TEMPLATE}/forks")) == 2


def test_every_request_says_what_it_accepts_which_api_version_and_who_asks(github: FakeGitHub) -> None:
    client_for(github).get_json(f"repos/{TEMPLATE}")

    headers = github.requests_to(f"/repos/{TEMPLATE}")[0].headers
    assert headers["accept"] == ACCEPT
    assert headers["x-github-api-version"] == API_VERSION
    assert headers["user-agent"].startswith("course-gradebook/")
    assert headers["authorization"] == f"Bearer {TOKEN}"


def test_no_authorization_header_is_sent_without_a_token(github: FakeGitHub) -> None:
    client_for(github, token=None).get_json(f"repos/{TEMPLATE}")

    assert "authorization" not in github.requests_to(f"/repos/{TEMPLATE}")[0].headers


def test_a_primary_rate_limit_waits_until_its_reset_then_succeeds(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    github.rate_limit_once(path, reset_in=1)
    sleeps = Sleeps(real=True)

    assert client_for(github, sleep=sleeps).get_json(path)["full_name"] == TEMPLATE

    limited, retried = github.requests_to(path)
    assert (limited.status, retried.status) == (403, 200)
    expected = int(limited.answer_headers["x-ratelimit-reset"]) - limited.at + 1  # GitHub's reset, plus a second
    assert len(sleeps) == 1 and sleeps[0] == pytest.approx(expected, abs=0.25)
    assert retried.at - limited.at >= sleeps[0] - 0.05


def test_a_retry_after_header_waits_that_many_seconds(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    github.retry_after_once(path, seconds=1)
    sleeps = Sleeps(real=True)

    assert client_for(github, sleep=sleeps).get_json(path)["full_name"] == TEMPLATE

    assert [request.status for request in github.requests_to(path)] == [429, 200]
    assert sleeps == [1.0]


def test_a_secondary_limit_without_headers_waits_a_minute(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    github.queue(path, Answer(403, {"message": SECONDARY_LIMIT_MESSAGE}))
    sleeps = Sleeps()  # recorded, not slept: a real minute is too long for a test

    assert client_for(github, sleep=sleeps, max_wait=120).get_json(path)["full_name"] == TEMPLATE

    assert sleeps == [SECONDARY_WAIT]


def test_a_reset_later_than_max_wait_raises_rate_limited_saying_when_it_resets(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    github.rate_limit_once(path, reset_in=3600)
    sleeps = Sleeps()

    with pytest.raises(RateLimited) as raised:
        client_for(github, sleep=sleeps, max_wait=5).get_json(path)

    message = str(raised.value)
    reset = time.strftime("%Y-%m-%d %H:%M", time.gmtime(int(github.requests_to(path)[0].answer_headers["x-ratelimit-reset"]) + 1))
    assert reset in message and "later than the longest wait allowed (5 s)" in message and "--max-wait" in message
    assert raised.value.reset_at == pytest.approx(time.time() + 3600, abs=5)
    assert sleeps == [] and len(github.requests_to(path)) == 1


def test_rate_limits_are_retried_at_most_max_retries_times(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    for _ in range(3):
        github.retry_after_once(path, seconds=0)

    with pytest.raises(RateLimited) as raised:
        client_for(github, max_retries=2).get_json(path)

    assert str(raised.value) == STILL_LIMITED.format(status=429, url=github.api_url + path, retries=2)
    assert len(github.requests_to(path)) == 3


def test_server_errors_are_retried_then_reported(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    github.queue(path, *[Answer(502, {"message": "Server Error"})] * 3)
    sleeps = Sleeps()

    with pytest.raises(GitHubError) as raised:
        client_for(github, sleep=sleeps, max_retries=2).get_json(path)

    assert str(raised.value) == SERVER_ERROR.format(status=502, url=github.api_url + path, tries=3)
    assert sleeps == [2.0, 4.0]


def test_a_server_error_then_success_is_transparent(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    github.queue(path, Answer(503, {"message": "Unavailable"}))

    assert client_for(github).get_json(path)["full_name"] == TEMPLATE
    assert [request.status for request in github.requests_to(path)] == [503, 200]


def test_a_missing_or_hidden_repository_raises_not_found(github: FakeGitHub) -> None:
    github.add_repo("someone/secret", hidden=True)
    client = client_for(github)

    for name in ("someone/secret", "nobody/nothing"):
        with pytest.raises(NotFound) as raised:
            client.get_json(f"repos/{name}")
        assert str(raised.value) == NOT_FOUND.format(url=f"{github.api_url}/repos/{name}", env="GITHUB_TOKEN")


def test_a_bad_token_raises_access_denied_saying_to_replace_it(github: FakeGitHub) -> None:
    with pytest.raises(Unauthorized) as raised:
        client_for(github, token="expired").get_json(f"repos/{TEMPLATE}")

    assert str(raised.value) == BAD_TOKEN.format(url=f"{github.api_url}/repos/{TEMPLATE}", env="GITHUB_TOKEN")


def test_a_403_without_rate_limit_signs_is_access_denied(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    github.queue(path, Answer(403, {"message": "Resource not accessible by personal access token"}))

    with pytest.raises(AccessDenied) as raised:
        client_for(github).get_json(path)

    assert str(raised.value) == FORBIDDEN.format(url=github.api_url + path, message="Resource not accessible by personal access token")
    assert len(github.requests_to(path)) == 1


def test_an_answer_that_is_not_json_says_to_check_the_api_address(github: FakeGitHub) -> None:
    path = f"/repos/{TEMPLATE}"
    github.queue(path, Answer(200, raw=b"<html>sign in</html>", content_type="text/html"))

    with pytest.raises(GitHubError) as raised:
        client_for(github).get_json(path)

    assert str(raised.value).startswith(NOT_JSON.split("{detail}")[0].format(url=github.api_url + path))
    assert "text/html" in str(raised.value) and "GITHUB_API_URL" in str(raised.value)


def test_a_refused_connection_says_github_cannot_be_reached() -> None:
    with socket.socket() as probe:  # a port nobody listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GitHubClient(base_url=f"http://127.0.0.1:{port}", token=TOKEN, max_wait=1, sleep=Sleeps())

    with pytest.raises(GitHubError) as raised:
        client.get_json("repos/a/b")

    assert type(raised.value) is GitHubError
    assert str(raised.value).startswith(f"Cannot reach GitHub at http://127.0.0.1:{port}/repos/a/b: [Errno")
    assert "Connection refused" in str(raised.value) and "GITHUB_API_URL" in str(raised.value)


def test_an_artifact_download_follows_the_redirect_without_sending_the_token_to_storage(github: FakeGitHub) -> None:
    data = zip_of({"grade-report.json": b"{}"})
    artifact = github.add_artifact(FORKS[0], 7, data)

    assert client_for(github).download(f"{github.api_url}/repos/{FORKS[0]}/actions/artifacts/{artifact}/zip", max_bytes=10_000) == data

    api = github.requests_to(f"/repos/{FORKS[0]}/actions/artifacts/{artifact}/zip")
    storage = github.requests_to(f"/blobs/{artifact}", server="storage")
    assert [request.status for request in api] == [302] and [request.status for request in storage] == [200]
    assert api[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in storage[0].headers
    assert github.storage_url != github.api_url


def test_an_artifact_download_without_a_token_says_one_is_needed(github: FakeGitHub) -> None:
    artifact = github.add_artifact(FORKS[0], 7, zip_of({"grade-report.json": b"{}"}))
    url = f"{github.api_url}/repos/{FORKS[0]}/actions/artifacts/{artifact}/zip"

    with pytest.raises(Unauthorized) as raised:
        client_for(github, token=None).download(url, max_bytes=10_000)

    assert str(raised.value) == NO_TOKEN.format(url=url, env="GITHUB_TOKEN")


def test_a_download_larger_than_allowed_is_refused(github: FakeGitHub) -> None:
    artifact = github.add_artifact(FORKS[0], 7, b"x" * 5000)

    with pytest.raises(TooLarge) as raised:
        client_for(github).download(f"{github.api_url}/repos/{FORKS[0]}/actions/artifacts/{artifact}/zip", max_bytes=1000)

    assert "larger than 0.001 MB" in str(raised.value) and "sig=" not in str(raised.value)
