"""The fault suite's pytest side (scripts/faults.sh; the fast cases also run in npm test's unit suite).

RUNLANE_FAULTS=full runs each fault at full load; unset, the small load that fits in npm test. Each
test reports one row of the table (fault, load, what was checked, lost, result) through `fault_row`;
RUNLANE_FAULTS_ROWS names a JSON-lines file the rows are appended to (scripts/faults.sh prints them)."""
import json
import os

import pytest


@pytest.fixture
def fault_row(request):
    """A dict the test fills (fault, load, checked, lost, and any figures) before its checks, so that a
    failing test still shows its row, marked FAIL."""
    row = {}
    yield row
    target = os.environ.get("RUNLANE_FAULTS_ROWS")
    if target and row:
        report = getattr(request.node, "rep_call", None)
        row["result"] = "pass" if report is not None and report.passed else "FAIL"
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(dict(row, test=request.node.nodeid)) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
