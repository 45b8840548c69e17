"""Many writers at once (test_fault_many_writers.py runs it): one run opened here, then 8 processes,
half forked and half spawned (multiprocessing, as data loaders are), each logging `points` points
into that shared run (its own key) and `points` into a run of its own, all at the same time.

Usage: many_writers.py POINTS GO_FILE. Prints the shared run's id first, then `own <i> <run id>` for
each writer; the writers start logging once GO_FILE exists (the test's readers are ready then)."""
import multiprocessing
import os
import sys
import time

import runlane

WORKERS = 8


def value_of(worker, step):
    return worker * 1e9 + step


def work(worker, shared_id, points, out, go):
    """One writer: its points into the shared run (key w<i>) and into its own run (key x)."""
    if shared_id is None:  # forked: the run is inherited through fork
        shared = runlane.active_run()
    else:  # spawned: attach to the run by id while its owner keeps it running
        shared = runlane.run(id=shared_id).__enter__()
    with runlane.run(name=f"own-{worker}") as own:
        out.put(f"own {worker} {own.id}")
        key = f"w{worker}"
        while not os.path.exists(go):
            time.sleep(0.01)
        for step in range(points):
            value = value_of(worker, step)
            shared.log({key: value}, step=step)
            own.log(x=value, step=step)


def main():
    points, go = int(sys.argv[1]), sys.argv[2]
    with runlane.run(name="shared") as shared:
        print(shared.id, flush=True)
        fork, spawn = multiprocessing.get_context("fork"), multiprocessing.get_context("spawn")
        out = fork.Queue()
        spawn_out = spawn.Queue()
        procs = [fork.Process(target=work, args=(i, None, points, out, go)) for i in range(WORKERS // 2)]
        procs += [spawn.Process(target=work, args=(i, shared.id, points, spawn_out, go))
                  for i in range(WORKERS // 2, WORKERS)]
        for proc in procs:
            proc.start()
        lines = [out.get() for _ in range(WORKERS // 2)] + [spawn_out.get() for _ in range(WORKERS // 2)]
        for line in lines:
            print(line, flush=True)
        for proc in procs:
            proc.join()
            if proc.exitcode != 0:
                sys.exit(f"a writer ended with exit code {proc.exitcode}")


if __name__ == "__main__":
    main()
