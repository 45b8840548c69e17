"""Fills an MLflow tracking database for the read benchmarks, in bulk.

Usage: python fill_db.py sqlite:////abs/mlflow.db ARTIFACTS RUNS HISTORY_RUNS POINTS

MLflow's own store creates the schema and the experiments (so both are what the server expects); the
runs, params, tags, latest metrics and the metric histories are then inserted with executemany, the
way a bulk `log-batch` lands in the tables. Logging them through the REST API instead (runs/create,
log-batch, runs/update) took 66 ms a run and 3 s per 10,000 points on this 2-core machine: 10 minutes
for 10,000 runs, 5 for the histories. Prints one JSON line: the experiment ids and the history run ids.
"""

import json
import math
import sqlite3
import sys
import uuid

from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore


def main():
    db_uri, artifacts, runs, history_runs, points = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    store = SqlAlchemyStore(db_uri, artifacts)
    sweep = store.create_experiment("sweep")
    curves = store.create_experiment("curves")
    db = sqlite3.connect(db_uri[len("sqlite:///"):])
    t0 = 1_760_000_000_000
    run_rows, params, tags, latest = [], [], [], []

    def add_run(run_id, experiment, i, name):
        start = t0 + i * 1000
        end = start + 30_000 + (i % 50) * 1000
        run_rows.append((run_id, name, "LOCAL", "bench.py", "", "bench", "FINISHED", start, end,
                         "", "active", f"{artifacts}/{experiment}/{run_id}/artifacts", int(experiment)))
        params.extend([("lr", str((i % 97) / 1000), run_id), ("layers", str(i % 5), run_id),
                       ("optimizer", "adam" if i % 2 else "sgd", run_id)])
        tags.extend([("mlflow.runName", name, run_id), ("mlflow.user", "bench", run_id),
                     ("team", "bench", run_id)])

    for i in range(runs):
        run_id = uuid.uuid4().hex
        add_run(run_id, sweep, i, f"sweep {i}")
        ended = t0 + i * 1000 + 30_000
        latest.extend([("loss", 1 / (1 + i % 50), ended, 100, 0, run_id),
                       ("acc", (i % 50) / 50, ended, 100, 0, run_id)])
    history_ids = [uuid.uuid4().hex for _ in range(history_runs)]
    for r, run_id in enumerate(history_ids):
        add_run(run_id, curves, r, f"curve {r}")
    db.executemany("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status,"
                   " start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", run_rows)
    db.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?,?,?)", params)
    db.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?,?,?)", tags)

    def curve(r, s):
        return math.exp(-s / (points / 4)) * (1 + r / 100) + 0.05 * math.sin(s / 50 + r)

    for r, run_id in enumerate(history_ids):
        db.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?,?,?,?,?,0)",
                       (("loss", curve(r, s), t0 + s * 100, run_id, s) for s in range(points)))
        latest.append(("loss", curve(r, points - 1), t0 + (points - 1) * 100, points - 1, 0, run_id))
    db.executemany("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
                   " VALUES (?,?,?,?,?,?)", latest)
    db.commit()
    db.close()
    print(json.dumps({"sweep": sweep, "curves": curves, "history_runs": history_ids}))


if __name__ == "__main__":
    main()
