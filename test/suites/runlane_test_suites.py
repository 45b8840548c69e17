"""pytest plugin for the three test suites of scripts/test.sh (loaded with -p runlane_test_suites).

--runlane-suite=unit|engines|e2e keeps that suite's tests: e2e is test/e2e/, an engine test is one
that uses a fixture engines.json names for its engine (a real sshd, a Slurm cluster), and unit is
every other test. RUNLANE_SKIP_ENGINES (engine names, comma-separated) leaves out the engine tests
this machine cannot run; scripts/test.sh sets it from scripts/check-engines.mjs and reports them.

scripts/test.sh runs the unit suite in two pytest-xdist workers (-n 2); the engine and e2e suites stay
in one process: the sshd and the Slurm cluster listen on fixed ports (22318, 16817/16818), the Ray
head is one per session, and xdist's groups (--dist loadgroup) do not hold on pytest 9.2 (xdist 3.8
marks a group in an attribute of the test's node id that pytest no longer reads)."""
import json
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
E2E = ROOT / "test" / "e2e"
ENGINES = json.loads((ROOT / "test" / "suites" / "engines.json").read_text(encoding="utf-8"))["engines"]


def pytest_addoption(parser):
    parser.addoption("--runlane-suite", choices=("unit", "engines", "e2e"),
                     help="run only this suite's tests (scripts/test.sh passes it)")
    parser.addoption("--runlane-flaky-file",
                     help="write the node ids of tests that failed and then passed on a rerun "
                          "(pytest-rerunfailures' --reruns) to this file, one per line; JUnit XML "
                          "does not say, and scripts/test-report.mjs names them at the end of npm test")


def engine_of(item):
    """The name of the engine the test needs, or None."""
    for engine in ENGINES:
        if set(engine.get("pytest_fixtures", ())) & set(getattr(item, "fixturenames", ())):
            return engine["name"]
    return None


def suite_of(item):
    if E2E in pathlib.Path(str(item.fspath)).resolve().parents:
        return "e2e"
    return "engines" if engine_of(item) else "unit"


def pytest_collection_modifyitems(config, items):
    suite = config.getoption("--runlane-suite")
    skipped = set(filter(None, os.environ.get("RUNLANE_SKIP_ENGINES", "").split(",")))
    keep, drop = [], []
    for item in items:
        wanted = suite is None or suite_of(item) == suite
        (keep if wanted and engine_of(item) not in skipped else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


_rerun = set()
_flaky = []


def pytest_runtest_logreport(report):
    if report.outcome == "rerun":
        _rerun.add(report.nodeid)
    elif report.when == "call" and report.passed and report.nodeid in _rerun:
        _flaky.append(report.nodeid)


def pytest_sessionfinish(session):
    # Under xdist the workers' reports reach this hook in the controller too: only it writes the file.
    if hasattr(session.config, "workerinput"):
        return
    target = session.config.getoption("--runlane-flaky-file")
    if target:
        pathlib.Path(target).write_text("".join(f"{nodeid}\n" for nodeid in _flaky), encoding="utf-8")
