"""Shared by the fault suite's tests: the repository root and the load (RUNLANE_FAULTS=full: the
full load of scripts/faults.sh; unset: the small one of npm test)."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
FULL = os.environ.get("RUNLANE_FAULTS") == "full"
