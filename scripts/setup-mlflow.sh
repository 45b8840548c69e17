#!/usr/bin/env bash
# A real MLflow tracking server for the tests and benchmarks of Runlane's MLflow store (docs/mlflow.md):
# a pinned mlflow with its basic-auth app, and psycopg2-binary for a server on PostgreSQL, in its own
# virtual environment .cache/mlflow-venv (about 860 MB, kept apart from .venv so JupyterLab's
# dependencies and MLflow's never constrain each other). Idempotent: quick when the pins are in place.
set -euo pipefail
cd "$(dirname "$0")/.."
MLFLOW_VERSION=3.17.2
PSYCOPG2_VERSION=2.9.13
exec bash scripts/pinned-venv.sh mlflow-venv "the MLflow tests" "a minute or two the first time" \
  "mlflow[auth]==$MLFLOW_VERSION" "psycopg2-binary==$PSYCOPG2_VERSION"
