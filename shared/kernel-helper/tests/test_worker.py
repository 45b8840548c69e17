"""`python -m runlane.worker`: the cell body runs as a script, and a re-run's RUNLANE_PARAMS replace
the body's top-level literal assignments (or define the names it does not assign)."""
import json
import os
import subprocess
import sys


def run_worker(tmp_path, body, params=None):
    (tmp_path / "cell.py").write_text(body, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("RUNLANE_PARAMS", "RUNLANE_RUN_ID")}
    if params is not None:
        env["RUNLANE_PARAMS"] = params if isinstance(params, str) else json.dumps(params)
    return subprocess.run([sys.executable, "-m", "runlane.worker", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=30)


def test_overrides_replace_top_level_assignments_and_define_the_rest(tmp_path):
    body = "lr = 0.1\nlayers: list = [1, 2]\nname = 'a'\n\ndef f():\n    lr = 99\n    return lr\n" \
           "print(lr, layers, name, f(), epochs)\n"
    done = run_worker(tmp_path, body, {"lr": 0.5, "layers": [3, 4, 5], "epochs": 7})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0.5 [3, 4, 5] a 99 7"


def test_without_overrides_the_body_runs_as_written(tmp_path):
    done = run_worker(tmp_path, "lr = 0.1\nprint(lr)\n")
    assert done.stdout.strip() == "0.1"


def test_non_finite_values_and_bad_params(tmp_path):
    done = run_worker(tmp_path, "x = 1\nprint(x)\n", '{"x": NaN}')
    assert done.stdout.strip() == "nan"
    bad = run_worker(tmp_path, "x = 1\n", "[1, 2]")
    assert bad.returncode != 0
    assert "RUNLANE_PARAMS must be a JSON object" in bad.stderr


def test_a_whole_number_replacing_a_float_literal_stays_a_float(tmp_path):
    # The re-run dialog's JSON sends 1.0 as 1: lr was a float in the cell, so it stays one; ints stay ints.
    done = run_worker(tmp_path, "lr = 0.3\nepochs = 10\nflag = False\nprint(repr(lr), repr(epochs), repr(flag))\n",
                      '{"lr": 1, "epochs": 20, "flag": true}')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.0 20 True"


def test_a_re_run_override_still_sets_a_running_value_that_is_not_recorded_as_a_param(tmp_path):
    # `loss` starts a running value: not one of the cell's params (job_state["literals"] are what rank
    # 0 records and later rl.run() blocks start from), though an override still gives it its start.
    body = ("lr = 0.1\nloss = 2.0\nfor step in range(2):\n    loss = loss / 2\n"
            "from runlane import api\nprint(sorted(api.job_state['literals'].items()), loss)\n")
    done = run_worker(tmp_path, body, {"lr": 0.5, "loss": 8})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('lr', 0.5)] 2.0"
