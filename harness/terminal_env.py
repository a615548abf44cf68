"""What a terminal needs to reach the background emulator: the variables, written in each shell's syntax.

`course backend env` prints them; `eval "$(course backend env)"` sets them in bash or zsh.
"""

from __future__ import annotations

import re
import shlex

from .settings import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, ENV_AWSLOCAL_NO_BANNER, ENV_ENDPOINT, REGION

POSIX_SHELLS = ("bash", "zsh")
SHELLS = (*POSIX_SHELLS, "fish", "powershell")
DEFAULT_SHELL = "bash"

EVAL_COMMAND = 'eval "$(course backend env)"'
OTHER_SHELLS = (
    "fish: `course backend env --shell fish | source`; "
    "PowerShell: `course backend env --shell powershell | Out-String | Invoke-Expression`"
)
START_AND_POINT = f"`course backend up`, then `{EVAL_COMMAND}`"

_BARE_WORD = re.compile(r"[\w@%+=:,./-]+", re.ASCII)


def terminal_variables(endpoint: str, xray_daemon_address: str = "") -> dict[str, str]:
    """The variables that send aws, awslocal and boto3 to ``endpoint`` with the dummy key, quietly, and
    aws-xray-sdk to the backend's X-Ray daemon when it has one (as Lambda gives deployed code)."""
    variables = {
        ENV_ENDPOINT: endpoint,
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        ENV_AWSLOCAL_NO_BANNER: "1",
    }
    if xray_daemon_address:
        variables["AWS_XRAY_DAEMON_ADDRESS"] = xray_daemon_address
    return variables


def _fish_quoted(value: str) -> str:
    if _BARE_WORD.fullmatch(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _powershell_quoted(value: str) -> str:
    return '"' + re.sub(r'([`"$])', r"`\1", value) + '"'


def shell_lines(variables: dict[str, str], shell: str) -> list[str]:
    """One line per variable that ``shell`` runs to set it for itself and the programs it starts."""
    if shell in POSIX_SHELLS:
        return [f"export {name}={shlex.quote(value)}" for name, value in variables.items()]
    if shell == "fish":
        return [f"set -gx {name} {_fish_quoted(value)};" for name, value in variables.items()]
    if shell == "powershell":
        return [f"$env:{name} = {_powershell_quoted(value)}" for name, value in variables.items()]
    raise ValueError(f"unknown shell {shell!r}; known: {', '.join(SHELLS)}")


def one_line_export(endpoint: str) -> str:
    """The same variables as one `export` line, for pasting."""
    return "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in terminal_variables(endpoint).items())


def env_output(endpoint: str, shell: str = DEFAULT_SHELL, xray_daemon_address: str = "") -> str:
    """What `course backend env --shell SHELL` prints; bash's and zsh's end with a note for the other shells."""
    lines = shell_lines(terminal_variables(endpoint, xray_daemon_address), shell)
    if shell in POSIX_SHELLS:
        lines.append(f"# {OTHER_SHELLS}")
    return "\n".join(lines) + "\n"
