"""A local stand-in for GitHub's REST API, for the tests of `course gradebook`.

Two real HTTP servers on 127.0.0.1 (ports chosen by the OS): the API, and the "storage" host that
artifact downloads are redirected to, as GitHub redirects them to blob storage. The API answers the
few endpoints the gradebook reads, in GitHub's shapes: repositories, forks and organization
repositories (paginated, with absolute `Link` URLs), workflow runs, run artifacts and artifact zips.
Chosen answers can be queued for a path (a 403 rate limit with `x-ratelimit-reset`, a 429 with
`retry-after`, a 500...). Every request is recorded with its query, headers and the status answered.
It only answers: nothing here reaches beyond the loopback address.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

DEFAULT_PER_PAGE = 30  # GitHub's default when per_page is not given
SECONDARY_LIMIT_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
PRIMARY_LIMIT_MESSAGE = "API rate limit exceeded for user ID 1."


@dataclass
class Answer:
    """A queued answer for one request to a path: status, headers, JSON or raw body."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    reset_in: float | None = None  # x-ratelimit-reset = now + reset_in (epoch seconds), set when answered
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Recorded:
    server: str  # "api" or "storage"
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    status: int = 0
    answer_headers: dict[str, str] = field(default_factory=dict)
    at: float = 0.0  # time.time() when the request arrived


def zip_of(files: dict[str, bytes]) -> bytes:
    """An artifact zip holding these files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def report_zip(report: dict[str, Any]) -> bytes:
    """The grade-report artifact as the grading workflow uploads it (files at the zip's root)."""
    return zip_of({"grade-report.json": json.dumps(report).encode(), "grade-summary.md": b"# Grade\n"})


class FakeGitHub:
    """Use as a context manager; `api_url` is what GITHUB_API_URL points at."""

    def __init__(self, *, token: str | None = None, page_size: int | None = None) -> None:
        self.token = token  # when set, any other bearer token is answered 401 Bad credentials
        self.page_size = page_size  # caps per_page, to spread short listings over pages
        self.repos: dict[str, dict[str, Any]] = {}
        self.hidden: set[str] = set()  # private, and not readable with the token: 404 like a missing one
        self.forks: dict[str, list[str]] = defaultdict(list)
        self.org_repos: dict[str, list[str]] = defaultdict(list)
        self.workflows: dict[str, set[str]] = defaultdict(set)  # repository -> workflow files it has
        self.runs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.artifacts: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.blobs: dict[int, bytes] = {}
        self.queued: dict[str, list[Answer]] = defaultdict(list)
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._next_id = 1000
        self._servers: list[ThreadingHTTPServer] = []

    # --- configuration ---------------------------------------------------------------------------------

    def add_repo(self, full_name: str, *, default_branch: str = "main", size: int = 120, hidden: bool = False,
                 is_template: bool = False, workflows: tuple[str, ...] = ("grade.yml",)) -> dict[str, Any]:
        owner, name = full_name.split("/")
        repository = {
            "id": self._new_id(),
            "name": name,
            "full_name": full_name,
            "owner": {"login": owner, "type": "User"},
            "private": hidden,
            "fork": False,
            "is_template": is_template,
            "default_branch": default_branch,
            "size": size,
            "html_url": f"https://github.com/{full_name}",
        }
        self.repos[full_name] = repository
        self.workflows[full_name].update(workflows)
        if hidden:
            self.hidden.add(full_name)
        return repository

    def add_fork(self, template: str, full_name: str, **options: Any) -> dict[str, Any]:
        repository = self.add_repo(full_name, **options)
        repository["fork"] = True
        self.forks[template].append(full_name)
        return repository

    def add_org_repo(self, org: str, name: str, **options: Any) -> dict[str, Any]:
        self.org_repos[org].append(f"{org}/{name}")
        return self.add_repo(f"{org}/{name}", **options)

    def add_run(self, repository: str, *, created_at: str, zip_bytes: bytes | None = None, event: str = "push",
                workflow: str = "grade.yml", branch: str = "main", status: str = "completed",
                expired: bool = False, run_id: int | None = None) -> int:
        """A run of workflow on branch; with zip_bytes, its grade-report artifact. Returns the run id."""
        run_id = run_id or self._new_id()
        sha = f"{run_id:040x}"
        self.runs[(repository, workflow)].append({
            "id": run_id,
            "name": "Grade",
            "head_branch": branch,
            "head_sha": sha,
            "path": f".github/workflows/{workflow}",
            "event": event,
            "status": status,
            "conclusion": "success" if status == "completed" else None,
            "created_at": created_at,
            "updated_at": created_at,
            "html_url": f"https://github.com/{repository}/actions/runs/{run_id}",
            "head_commit": {"id": sha, "timestamp": "2000-01-01T00:00:00Z"},  # a student can set this: never used
        })
        if zip_bytes is not None:
            self.add_artifact(repository, run_id, zip_bytes, expired=expired)
        return run_id

    def add_artifact(self, repository: str, run_id: int, zip_bytes: bytes, *, name: str = "grade-report",
                     expired: bool = False) -> int:
        artifact_id = self._new_id()
        self.artifacts[run_id].append({
            "id": artifact_id,
            "name": name,
            "size_in_bytes": len(zip_bytes),
            "archive_download_url": f"{self.api_url}/repos/{repository}/actions/artifacts/{artifact_id}/zip",
            "expired": expired,
            "created_at": "2026-01-01T00:00:00Z",
            "expires_at": "2026-04-01T00:00:00Z",
        })
        self.blobs[artifact_id] = zip_bytes
        return artifact_id

    def queue(self, path: str, *answers: Answer) -> None:
        """Answer the next requests to path with these, one each, before the normal answers."""
        self.queued[path].extend(answers)

    def rate_limit_once(self, path: str, *, reset_in: float = 1.0, status: int = 403) -> None:
        """A primary rate limit: remaining 0, resetting reset_in seconds from the answer."""
        headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000",
                   "x-ratelimit-resource": "core"}
        self.queue(path, Answer(status, {"message": PRIMARY_LIMIT_MESSAGE}, headers, reset_in=reset_in))

    def retry_after_once(self, path: str, *, seconds: int = 1, status: int = 429) -> None:
        """A secondary rate limit that says how long to wait."""
        self.queue(path, Answer(status, {"message": SECONDARY_LIMIT_MESSAGE}, {"retry-after": str(seconds)}))

    # --- what was asked ----------------------------------------------------------------------------------

    def requests_to(self, path: str, server: str = "api") -> list[Recorded]:
        with self._lock:
            return [request for request in self.requests if request.path == path and request.server == server]

    # --- serving -----------------------------------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:  # noqa: PYI034 (typing.Self is 3.11+)
        self._api = self._serve("api")
        self._storage = self._serve("storage")
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._api.server_address[1]}"

    @property
    def storage_url(self) -> str:
        return f"http://127.0.0.1:{self._storage.server_address[1]}"

    def _new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _serve(self, name: str) -> ThreadingHTTPServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(name, self)

            def log_message(self, *args: Any) -> None:  # quiet: the recorded requests say it all
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), name=f"fake-github-{name}", daemon=True).start()
        self._servers.append(server)
        return server

    def _handle(self, server: str, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query))
        recorded = Recorded(server, parts.path, query, {key.lower(): value for key, value in handler.headers.items()},
                            at=time.time())
        with self._lock:
            self.requests.append(recorded)
            queued = self.queued.get(parts.path)
            answer = queued.pop(0) if queued else None
        if answer is None:
            answer = self._storage_answer(parts.path) if server == "storage" else self._api_answer(parts.path, query, recorded)
        headers = dict(answer.headers)
        if answer.reset_in is not None:
            headers["x-ratelimit-reset"] = str(int(time.time() + answer.reset_in))
        body = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
        recorded.status, recorded.answer_headers = answer.status, headers
        handler.send_response(answer.status)
        handler.send_header("Content-Type", answer.content_type)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _storage_answer(self, path: str) -> Answer:
        found = re.fullmatch(r"/blobs/(\d+)", path)
        blob = self.blobs.get(int(found.group(1))) if found else None
        if blob is None:
            return Answer(404, raw=b"<Error>BlobNotFound</Error>", content_type="application/xml")
        return Answer(200, raw=blob, content_type="application/zip")

    def _api_answer(self, path: str, query: dict[str, str], recorded: Recorded) -> Answer:
        authorization = recorded.headers.get("authorization")
        if self.token and authorization and authorization != f"Bearer {self.token}":
            return Answer(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        routes = (
            (r"/repos/([^/]+/[^/]+)/forks", self._forks),
            (r"/orgs/([^/]+)/repos", self._org_repos),
            (r"/repos/([^/]+/[^/]+)/actions/workflows/([^/]+)/runs", self._runs),
            (r"/repos/([^/]+/[^/]+)/actions/runs/(\d+)/artifacts", self._artifacts),
            (r"/repos/([^/]+/[^/]+)/actions/artifacts/(\d+)/zip", self._download),
            (r"/repos/([^/]+/[^/]+)", self._repo),
        )
        for pattern, route in routes:
            found = re.fullmatch(pattern, path)
            if found:
                return route(query, recorded, *found.groups())
        return _not_found()

    def _visible(self, repository: str) -> bool:
        return repository in self.repos and repository not in self.hidden

    def _repo(self, query: dict[str, str], recorded: Recorded, repository: str) -> Answer:
        return Answer(200, self.repos[repository]) if self._visible(repository) else _not_found()

    def _forks(self, query: dict[str, str], recorded: Recorded, repository: str) -> Answer:
        if not self._visible(repository) and repository not in self.forks:
            return _not_found()
        return self._page(recorded.path, query, [self.repos[name] for name in self.forks[repository]])

    def _org_repos(self, query: dict[str, str], recorded: Recorded, org: str) -> Answer:
        if org not in self.org_repos:
            return _not_found()
        return self._page(recorded.path, query, [self.repos[name] for name in self.org_repos[org]])

    def _runs(self, query: dict[str, str], recorded: Recorded, repository: str, workflow: str) -> Answer:
        if not self._visible(repository) or workflow not in self.workflows[repository]:
            return _not_found()
        runs = [
            run
            for run in self.runs[(repository, workflow)]
            if run["head_branch"] == query.get("branch", run["head_branch"])
            and run["status"] == query.get("status", run["status"])
        ]
        runs.sort(key=lambda run: run["created_at"], reverse=True)
        return self._page(recorded.path, query, runs, key="workflow_runs")

    def _artifacts(self, query: dict[str, str], recorded: Recorded, repository: str, run_id: str) -> Answer:
        if not self._visible(repository):
            return _not_found()
        artifacts = [item for item in self.artifacts[int(run_id)] if item["name"] == query.get("name", item["name"])]
        return self._page(recorded.path, query, artifacts, key="artifacts")

    def _download(self, query: dict[str, str], recorded: Recorded, repository: str, artifact_id: str) -> Answer:
        if "authorization" not in recorded.headers:  # GitHub: artifact downloads need a token, even when public
            return Answer(401, {"message": "You must have the actions scope to download artifacts."})
        if not self._visible(repository) or int(artifact_id) not in self.blobs:
            return _not_found()
        location = f"{self.storage_url}/blobs/{artifact_id}?sig=signed-for-one-minute"
        return Answer(302, raw=b"", headers={"Location": location})

    def _page(self, path: str, query: dict[str, str], items: list[Any], *, key: str | None = None) -> Answer:
        per_page = int(query.get("per_page", DEFAULT_PER_PAGE))
        if self.page_size:
            per_page = min(per_page, self.page_size)
        page = int(query.get("page", 1))
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        if page < last:
            links.append(f'<{self._link(path, query, page + 1)}>; rel="next"')
            links.append(f'<{self._link(path, query, last)}>; rel="last"')
        if page > 1:
            links.append(f'<{self._link(path, query, 1)}>; rel="first"')
            links.append(f'<{self._link(path, query, page - 1)}>; rel="prev"')
        headers = {"Link": ", ".join(links)} if links else {}
        body = {"total_count": len(items), key: chunk} if key else chunk
        return Answer(200, body, headers)

    def _link(self, path: str, query: dict[str, str], page: int) -> str:
        return f"{self.api_url}{path}?{urlencode({**query, 'page': page})}"


def _not_found() -> Answer:
    return Answer(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
