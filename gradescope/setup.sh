#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image from the zip that
# scripts/gradescope_bundle.py makes (the course's graders and harness; never the solutions).
# Choose a base image whose python3 is 3.10-3.13 (Ubuntu 22.04 has 3.10, 24.04 has 3.12).
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
cd "$SOURCE"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# The exact versions the graders were tested with, as `make grade` installs them.
.venv/bin/python -m pip install --quiet -c constraints.txt -e .
# Fail the image build now rather than every submission later.
.venv/bin/python -m harness.cli --version
