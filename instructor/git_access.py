"""git for a regrade: clone URLs, and an environment that never prompts and sends a token to GitHub only."""

from __future__ import annotations

import base64
import os

from .roster import Student

ENV_GITHUB_SERVER_URL = "GITHUB_SERVER_URL"  # set by GitHub Actions (GitHub Enterprise Server too)
DEFAULT_GITHUB_SERVER_URL = "https://github.com"
GIT_LOCATORS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR", "GIT_NAMESPACE")


def github_server() -> str:
    return (os.environ.get(ENV_GITHUB_SERVER_URL) or DEFAULT_GITHUB_SERVER_URL).rstrip("/")


def clone_source(student: Student) -> str:
    """What `git clone` is given: GitHub's https URL for `owner/name`, else the URL or path as written."""
    return f"{github_server()}/{student.repository}.git" if student.on_github else student.repository


def git_environment(token: str | None = None) -> dict[str, str]:
    """git's environment: never a password prompt, and the token (if any) as an HTTP header for GitHub only.

    The header goes in through GIT_CONFIG_COUNT, git's `-c` for one command, rather than as a `-c`
    argument: any local user can read a process's arguments, only its owner can read its environment.
    It is scoped to the GitHub server's URL, so a git URL elsewhere in a roster never receives it,
    and it is not written to the clone's .git/config.
    """
    env = {key: value for key, value in os.environ.items() if key not in GIT_LOCATORS}
    env.update(GIT_TERMINAL_PROMPT="0", GCM_INTERACTIVE="never", GIT_LFS_SKIP_SMUDGE="1")
    if token:
        count = int(env["GIT_CONFIG_COUNT"]) if env.get("GIT_CONFIG_COUNT", "").isdigit() else 0
        env[f"GIT_CONFIG_KEY_{count}"] = f"http.{github_server()}/.extraheader"
        env[f"GIT_CONFIG_VALUE_{count}"] = f"Authorization: Basic {basic_credentials(token)}"
        env["GIT_CONFIG_COUNT"] = str(count + 1)
    return env


def basic_credentials(token: str) -> str:
    return base64.b64encode(f"x-access-token:{token}".encode()).decode()
