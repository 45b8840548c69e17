#!/usr/bin/env bash
# A real MLflow tracking server for the tests and benchmarks of Runlane's MLflow store (docs/mlflow.md):
# a pinned mlflow with its basic-auth app, and psycopg2-binary for a server on PostgreSQL, in its own
# virtual environment .cache/mlflow-venv (about 860 MB, kept apart from .venv so JupyterLab's
# dependencies and MLflow's never constrain each other). Idempotent: quick when the pins are in place.
set -euo pipefail
cd "$(dirname "$0")/.."
MLFLOW_VERSION=3.17.2
PSYCOPG2_VERSION=2.9.13
V="$PWD/.cache/mlflow-venv"
want="mlflow[auth]==$MLFLOW_VERSION psycopg2-binary==$PSYCOPG2_VERSION"
if [ -x "$V/bin/mlflow" ] && [ "$(cat "$V/.runlane-pins" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "[setup] installing $want into .cache/mlflow-venv for the MLflow tests (a minute or two the first time)"
mkdir -p .cache
[ -x "$V/bin/python" ] || python3 -m venv "$V" ||
  { echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv." >&2; exit 1; }
# $want is split on purpose: two requirement specifiers, none of them user input.
# shellcheck disable=SC2086
"$V/bin/python" -m pip install --quiet --disable-pip-version-check $want ||
  { echo "setup: pip could not install $want into .cache/mlflow-venv (above); the MLflow tests are skipped until it can." >&2; exit 1; }
echo "$want" > "$V/.runlane-pins"
