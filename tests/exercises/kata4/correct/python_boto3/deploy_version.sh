#!/usr/bin/env bash
# Kata 4, written differently: the deploy is a boto3 program; this script only runs it.
set -euo pipefail
cd "$(dirname "$0")"
exec python deploy_version.py
