"""Shared by the fault suite's Python tests (scripts/faults.sh; the fast cases also run in npm test's
unit suite): the repository root, the load (RUNLANE_FAULTS=full: the full load of `npm run faults`;
unset: the small one of npm test), and `fault_row`, the fixture that reports a test's row of the table
(fault, load, what was checked, lost, result) to RUNLANE_FAULTS_ROWS, a JSON-lines file.

There is no conftest.py here on purpose: npm test collects this folder together with the kernel
helper's tests, whose modules import names from their own `conftest`; a second module of that name
would shadow it. Tests import the fixture: `from faultlib import fault_row`."""
import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FULL = os.environ.get("RUNLANE_FAULTS") == "full"


@pytest.fixture
def fault_row(request):
    """A dict the test fills (fault, load, checked, lost, and any figures) before its checks, so that a
    failing test still shows its row, marked FAIL."""
    row = {}
    failed_before = request.session.testsfailed
    yield row
    target = os.environ.get("RUNLANE_FAULTS_ROWS")
    if target and row:
        # The call's report is logged before teardown: a failure has been counted by now.
        row["result"] = "FAIL" if request.session.testsfailed > failed_before else "pass"
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(dict(row, test=request.node.nodeid)) + "\n")
