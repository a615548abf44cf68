#!/usr/bin/env bash
# The dev container's postCreateCommand: the course as `make grade` installs it, then AWS SAM CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

# What `make grade` does first (.venv, then `pip install -c constraints.txt -e .`), so that in the
# new container `make grade` only grades.
make .venv/.installed-stamp

# SAM CLI (week 3) pins boto3 exactly: it gets an environment of its own under .course/tools/, never .venv
# (README, "Backends"), and a `sam` command beside `course`.
.venv/bin/course sam-cli install
