"""Scripts run as users run them (`python train.py`, a real subprocess): what their runs record."""
import json
import os
import subprocess
import sys

from runlane.store.reader import StoreReader

TRAIN = '''import sys
import runlane as rl

with rl.run(name="baseline", experiment="mnist"):
    rl.params(lr=0.1)
    for step in range(3):
        rl.log(loss=1.0 / (step + 1))
        print("step", step, flush=True)
    print("a warning", file=sys.stderr)
    if "--fail" in sys.argv:
        raise ValueError("the data is gone")
print("after the run")
'''


def git(folder, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=folder, check=True,
                   capture_output=True)


def run_script(tmp_path, *args):
    repo = tmp_path / "project"
    repo.mkdir(exist_ok=True)
    script = repo / "train.py"
    script.write_text(TRAIN)
    if not (repo / ".git").exists():
        git(repo, "init", "-q")
        git(repo, "add", "train.py")
        git(repo, "commit", "-q", "-m", "first")
    env = dict(os.environ, RUNLANE_DIR=str(tmp_path / "store"))
    env.pop("RUNLANE_RUN_ID", None)
    # Started from another folder: git is the script's, not the current folder's.
    return subprocess.run([sys.executable, str(script), *args], cwd=str(tmp_path), env=env, capture_output=True,
                          text=True, timeout=60)


def logs(store, run_id):
    reader = StoreReader(store)
    text = {}
    for writer, stream in reader.log_streams(run_id):
        text[stream] = text.get(stream, "") + reader.read_log(run_id, writer, stream).decode()
    return text


def test_a_with_run_script_records_its_source_environment_git_and_output(tmp_path):
    done = run_script(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "step 0\nstep 1\nstep 2\nafter the run\n"  # the terminal shows it as usual
    assert done.stderr == "a warning\n"
    store = tmp_path / "store"
    [run] = StoreReader(store).list_runs()
    assert run["name"] == "baseline" and run["kind"] == "script" and run["status"] == "finished"
    run_dir = store / "runs" / run["id"]
    assert (run_dir / "source.py").read_text() == TRAIN
    env = json.loads((run_dir / "env.json").read_text())
    head = subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=tmp_path / "project", text=True).strip()
    assert env["git"] == {"commit": head, "dirty": False, "branch": env["git"]["branch"]}
    assert env["python"] == "%d.%d.%d" % sys.version_info[:3]
    # The run's output: what the block printed; "after the run" is not the run's.
    assert logs(store, run["id"]) == {"stdout": "step 0\nstep 1\nstep 2\n", "stderr": "a warning\n"}


def test_a_failing_with_run_script_keeps_its_traceback_in_the_logs(tmp_path):
    done = run_script(tmp_path, "--fail")
    assert done.returncode == 1 and "ValueError: the data is gone" in done.stderr
    store = tmp_path / "store"
    [run] = StoreReader(store).list_runs()
    assert run["status"] == "failed" and "ValueError: the data is gone" in run["error"]
    stderr = logs(store, run["id"])["stderr"]
    assert stderr.startswith("a warning\nTraceback (most recent call last):") and stderr.endswith("the data is gone\n")


def test_a_script_that_only_logs_records_its_output_too(tmp_path):
    script = tmp_path / "quick.py"
    script.write_text("import runlane as rl\nrl.log(acc=0.5)\nprint('logged')\n")
    env = dict(os.environ, RUNLANE_DIR=str(tmp_path / "store"))
    env.pop("RUNLANE_RUN_ID", None)
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "logged\n"
    [run] = StoreReader(tmp_path / "store").list_runs()
    assert run["name"] == "quick.py" and logs(tmp_path / "store", run["id"]) == {"stdout": "logged\n"}


def test_a_script_run_records_its_file_for_open_script(tmp_path):
    done = run_script(tmp_path)
    assert done.returncode == 0, done.stderr
    [run] = StoreReader(tmp_path / "store").list_runs()
    with open(tmp_path / "store" / "runs" / run["id"] / "meta.json") as f:
        assert json.load(f)["script"] == str(tmp_path / "project" / "train.py")  # absolute, though run from elsewhere
