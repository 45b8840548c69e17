"""MLflow's side of cold_open.mjs: the same runs in a SQLite tracking store, then search_runs.

Usage: cold_open_mlflow.py RUNS POINTS FOLDER; prints one JSON line of figures.

Logging 10,000 runs through MLflow's API takes many minutes, so one template run is logged through
the API (params, 2 metrics x POINTS, status) and cloned in SQL, row for row, into the others: the
database holds exactly what MLflow itself writes, with each run's own ids and values. The search is
timed in a new process after the interpreter and MLflow are imported (their start-up not counted).
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid


def build(db: str, runs: int, points: int) -> None:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    experiments = [client.create_experiment(f"exp-{i}") for i in range(20)]
    template = client.create_run(experiments[0], run_name="run 0")
    rid = template.info.run_id
    from mlflow.entities import Metric, Param

    now = int(time.time() * 1000)
    metrics = [Metric(key, 0.5, now + s, s) for key in ("loss", "acc") for s in range(points)]
    params = [Param("lr", "0.001"), Param("batch", "32"), Param("model", "mlp-0")]
    client.log_batch(rid, metrics=metrics, params=params)
    client.set_terminated(rid, "FINISHED")

    con = sqlite3.connect(db)
    tables = [
        row[0]
        for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
        if "run_uuid" in [c[1] for c in con.execute(f"PRAGMA table_info({row[0]})")]
    ]
    rows = {t: con.execute(f"SELECT * FROM {t} WHERE run_uuid=?", (rid,)).fetchall() for t in tables}
    cols = {t: [c[1] for c in con.execute(f"PRAGMA table_info({t})")] for t in tables}
    for i in range(1, runs):
        new = uuid.uuid4().hex
        for t in tables:
            ci = cols[t]
            out = []
            for r in rows[t]:
                r = list(r)
                r[ci.index("run_uuid")] = new
                if t == "runs":
                    r[ci.index("experiment_id")] = experiments[i % 20]
                    if "name" in ci:
                        r[ci.index("name")] = f"run {i}"
                    if "artifact_uri" in ci and r[ci.index("artifact_uri")]:
                        r[ci.index("artifact_uri")] = r[ci.index("artifact_uri")].replace(rid, new)
                if "value" in ci and t in ("metrics", "latest_metrics") and isinstance(r[ci.index("value")], float):
                    r[ci.index("value")] = r[ci.index("value")] + (i % 13) * 0.01
                out.append(r)
            if out:
                con.executemany(f"INSERT INTO {t} VALUES ({','.join('?' * len(ci))})", out)
    con.commit()
    con.close()


SEARCH = r"""
import json, sys, time
from mlflow.tracking import MlflowClient
client = MlflowClient(tracking_uri=sys.argv[1])
t0 = time.perf_counter()
ids = [e.experiment_id for e in client.search_experiments()]
runs, token = [], None
while True:
    page = client.search_runs(ids, max_results=50000, page_token=token)
    runs.extend(page)
    token = page.token
    if not token:
        break
print(json.dumps({"ms": round((time.perf_counter() - t0) * 1000), "runs": len(runs)}))
"""


def main() -> None:
    runs, points, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.makedirs(folder, exist_ok=True)
    db = os.path.join(folder, "mlflow.db")
    t0 = time.perf_counter()
    build(db, runs, points)
    build_ms = round((time.perf_counter() - t0) * 1000)
    out = subprocess.run([sys.executable, "-c", SEARCH, f"sqlite:///{db}"], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    if found["runs"] != runs:
        raise SystemExit(f"search_runs found {found['runs']} runs, not {runs}")
    import mlflow

    print(json.dumps({
        "mlflow_search_ms": found["ms"],
        "mlflow_build_ms": build_ms,
        "mlflow_version": mlflow.__version__,
    }))


if __name__ == "__main__":
    main()
