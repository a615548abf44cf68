#!/usr/bin/env bash
# The dev container's postCreateCommand: the course as `make grade` installs it, then AWS SAM CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

# What `make grade` does first (.venv, then `pip install -c constraints.txt -e .`), so that in the
# new container `make grade` only grades.
make .venv/.installed-stamp

# SAM CLI (week 3) pins boto3 exactly: it gets an environment of its own, never .venv (README, "Backends").
if command -v pipx >/dev/null; then
  pipx install aws-sam-cli
else
  echo "pipx is not installed: before week 3, install it and then AWS SAM CLI with \`pipx install aws-sam-cli\`." >&2
fi
