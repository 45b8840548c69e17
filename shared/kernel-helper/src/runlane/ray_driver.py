"""The entrypoint of a Runlane job on a Ray cluster: `<python> -m runlane.ray_driver spec.json`, run by
Ray's job supervisor in the job's package (the daemon uploads the runlane helper, the job's input and
spec.json; see docs/jobs.md "Ray").

spec.json: {"run_id", "workers": N, "cpus_per_worker": C (1), "gpus_per_worker": G (0), "env": {...},
"command": [argv] | null, "cell": {"input": "input"} | null, "cwd": relpath | null,
"output_limit_bytes": bytes (100 MiB)}.

It reserves N bundles of C CPUs and G GPUs in one placement group, so that all workers start together
or the job waits (with a note saying why), starts one actor per rank (runlane.ray_worker) which runs
the worker as a process of its own, and writes every worker's output to its stdout (what Ray's log
tail carries) as framed lines the daemon demuxes (ray_worker.frame):
  \\x1eRL <rank> o|e <text>   a stdout|stderr line;  O|E <text>: text of a line still open (no newline)
  \\x1eRL <rank> f|a <relpath> <base64>   a run file (result, env.json, params) | an artifact, at its end
  \\x1eRL <rank> x <code>     the worker ended (negative: killed by that signal); always its last frame
  \\x1eRL - n <text>          a note of the driver's own
Lines without the prefix are Ray's own. A failing worker stops the others (fail fast); SIGTERM (Ray's
stop) stops every worker's process group. Ray is imported lazily: the helper does not depend on it."""
import json
import logging
import os
import signal
import sys
import time

from .ray_worker import RankWorker, frame

DEFAULT_OUTPUT_LIMIT = 100 << 20
FIRST_NOTE_S = 2.0  # a placement not done by then gets a note saying what it waits for
NOTE_EVERY_S = 10.0
STOP_GRACE_S = 1.0  # SIGTERM to SIGKILL of a worker when the job is stopped (Ray kills us after 3 s)
FAIL_GRACE_S = 3.0  # the same when another worker failed


class SpecError(ValueError):
    pass


def load_spec(path):
    """The spec with defaults, or SpecError with a sentence saying what is wrong."""
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as err:
        raise SpecError("runlane.ray_driver: cannot read the job spec %s: %s" % (path, err)) from None
    if not isinstance(spec, dict) or not isinstance(spec.get("run_id"), str):
        raise SpecError("runlane.ray_driver: the spec needs run_id (a string).")
    spec.setdefault("workers", 1)
    spec.setdefault("cpus_per_worker", 1)
    spec.setdefault("gpus_per_worker", 0)
    spec.setdefault("output_limit_bytes", DEFAULT_OUTPUT_LIMIT)
    for key in ("workers", "cpus_per_worker", "gpus_per_worker", "output_limit_bytes"):
        value = spec[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise SpecError("runlane.ray_driver: %s must be a number >= 0, got %r." % (key, value))
    if spec["workers"] < 1 or int(spec["workers"]) != spec["workers"]:
        raise SpecError("runlane.ray_driver: workers must be a whole number >= 1, got %r." % spec["workers"])
    command, cell = spec.get("command"), spec.get("cell")
    if (command is None) == (cell is None):
        raise SpecError("runlane.ray_driver: the spec needs either command (an argv) or cell, not both.")
    if command is not None and (not isinstance(command, list) or not command
                                or not all(isinstance(a, str) for a in command)):
        raise SpecError("runlane.ray_driver: command must be a non-empty list of strings (an argv).")
    if cell is not None and not isinstance(cell, dict):
        raise SpecError("runlane.ray_driver: cell must be an object, {\"input\": \"input\"}.")
    if not isinstance(spec.get("env") or {}, dict):
        raise SpecError("runlane.ray_driver: env must be an object of names to strings.")
    spec["env"] = {str(k): str(v) for k, v in (spec.get("env") or {}).items()}
    return spec


def write(data):
    """Everything goes out through fd 1 in whole frames (one write each batch), never through print."""
    while data:
        data = data[os.write(1, data):]


def note(text):
    write(frame("-", "n", text.replace("\n", " ").encode("utf-8", "replace")))


def _amount(n):
    return ("%g" % n) if n != int(n) else "%d" % n


def bundle(spec):
    b = {}
    if spec["cpus_per_worker"]:
        b["CPU"] = spec["cpus_per_worker"]
    if spec["gpus_per_worker"]:
        b["GPU"] = spec["gpus_per_worker"]
    return b or {"CPU": 0.01}  # a bundle must ask for something


def waiting_note(ray, spec):
    """Why the placement waits: what one worker needs, what the cluster has, and whether any node can."""
    need = bundle(spec)
    n = int(spec["workers"])
    want = " and ".join("%s %s" % (_amount(v), k) for k, v in need.items())
    nodes = [node.get("Resources", {}) for node in ray.nodes() if node.get("Alive")]
    total = ray.cluster_resources()
    free = ray.available_resources()
    has = ", ".join("%s %s free of %s" % (_amount(free.get(k, 0)), k, _amount(total.get(k, 0))) for k in need)
    fits = [r for r in nodes if all(r.get(k, 0) >= v for k, v in need.items())]
    text = "waiting for resources: %d worker%s of %s each; the cluster has %s (%d node%s)" % (
        n, "s" if n > 1 else "", want, has, len(nodes), "s" if len(nodes) != 1 else "")
    if not fits:
        text += ". No node has %s: this cannot be met until such a node joins the cluster; cancel the run " \
                "or ask for less (--gpus, --cpus)" % want
    elif sum(total.get(k, 0) < v * n for k, v in need.items()):
        text += ". The whole cluster has less than %d times that: ask for fewer workers or less per worker" % n
    else:
        text += ". The job starts when other work frees them"
    return text


class Driver:
    def __init__(self, spec):
        self.spec = spec
        self.stopping = None  # the signal that stops the job
        self.failed = None  # (rank, code) of the first failing worker

    def on_signal(self, signum, _frame):
        self.stopping = signum

    def catch_signals(self):
        """SIGTERM (Ray's stop) and SIGINT stop the workers in order. Set again after ray.init, whose
        own handler ends the process at once (the workers would be left to the guards)."""
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)

    def place(self, ray):
        """The placement group, once every bundle is reserved; None if the job was stopped meanwhile."""
        from ray.util.placement_group import placement_group, remove_placement_group

        pg = placement_group([bundle(self.spec)] * int(self.spec["workers"]), strategy="PACK")
        started = time.monotonic()
        next_note = started + FIRST_NOTE_S
        while self.stopping is None:
            if pg.wait(timeout_seconds=0.2):
                return pg
            if time.monotonic() >= next_note:
                note(waiting_note(ray, self.spec))
                next_note = time.monotonic() + NOTE_EVERY_S
        remove_placement_group(pg)
        return None

    def worker_env(self, rank, infos, master):
        spec = self.spec
        node = infos[rank]["node"]
        on_node = [r for r, info in enumerate(infos) if info["node"] == node]
        env = dict(spec["env"])
        env.update(
            RANK=str(rank), LOCAL_RANK=str(on_node.index(rank)), WORLD_SIZE=str(len(infos)),
            LOCAL_WORLD_SIZE=str(len(on_node)), MASTER_ADDR=master["ip"], MASTER_PORT=str(master["port"]),
            CUDA_VISIBLE_DEVICES=",".join(infos[rank]["gpus"]), PYTHONUNBUFFERED="1",
            RUNLANE_RUN_ID=spec["run_id"], RUNLANE_WORKER="w%d" % rank, RUNLANE_METRICS="stdout",
        )
        return env

    def run(self):
        import ray
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        spec = self.spec
        ray.init(address=os.environ.get("RAY_ADDRESS") or "auto", log_to_driver=False,
                 logging_level=logging.WARNING, configure_logging=True)
        self.catch_signals()
        pg = self.place(ray)
        if pg is None:
            note("stopped before the workers were placed")
            return 128 + self.stopping
        actor = ray.remote(RankWorker)
        n = int(spec["workers"])
        actors = [actor.options(num_cpus=spec["cpus_per_worker"], num_gpus=spec["gpus_per_worker"],
                                max_concurrency=4,
                                scheduling_strategy=PlacementGroupSchedulingStrategy(
                                    placement_group=pg, placement_group_bundle_index=rank)).remote(rank)
                  for rank in range(n)]
        infos = ray.get([a.where.remote(rank == 0) for rank, a in enumerate(actors)])
        note("started: %d worker%s on %s" % (n, "s" if n > 1 else "", ", ".join(sorted({i["ip"] for i in infos}))))
        job = {k: spec.get(k) for k in ("command", "cell", "cwd")}
        ray.get([a.start.remote(job, self.worker_env(rank, infos, infos[0])) for rank, a in enumerate(actors)])
        return self.follow(ray, actors)

    def follow(self, ray, actors):
        """Writes every worker's frames as they come; files and the exit frame at each one's end."""
        spec = self.spec
        budget = [spec["output_limit_bytes"]]
        polls = {a.poll.remote(): rank for rank, a in enumerate(actors)}
        live = set(range(len(actors)))
        stop_sent = False
        stop_deadline = None
        while live:
            if self.stopping is not None and not stop_sent:
                stop_sent = True
                stop_deadline = time.monotonic() + STOP_GRACE_S + 1.0
                for rank in live:
                    actors[rank].stop.remote(STOP_GRACE_S)
            if stop_deadline is not None and time.monotonic() > stop_deadline:
                break  # Ray kills the driver soon: the actors die with it, and their guards kill the workers
            ready, _ = ray.wait(list(polls), num_returns=1, timeout=0.2)
            for ref in ready:
                rank = polls.pop(ref)
                data, code = ray.get(ref)
                if data:
                    write(data)
                if code is None:
                    polls[actors[rank].poll.remote()] = rank
                    continue
                live.discard(rank)
                if self.stopping is None:
                    self.send_files(ray, actors[rank], rank, budget)
                write(frame(rank, "x", str(code).encode()))
                if code != 0 and self.failed is None and self.stopping is None:
                    self.failed = (rank, code)
                    if live:
                        note("w%d failed (exit code %s): stopping the other workers" % (rank, code))
                        for other in live:
                            actors[other].stop.remote(FAIL_GRACE_S)
        # The ranks' temp stores on their nodes go before the driver does (its actors die with it); an
        # actor killed first leaves it to its guard.
        ray.wait([a.cleanup.remote() for a in actors], num_returns=len(actors), timeout=0.5 if self.stopping else 10.0)
        if self.stopping is not None:
            return 128 + self.stopping
        if self.failed is not None:
            code = self.failed[1]
            return 128 - code if code < 0 else min(code, 255) or 1
        return 0

    def send_files(self, ray, actor, rank, budget):
        data, used, skipped = ray.get(actor.files.remote(self.spec["run_id"], budget[0]))
        write(data)
        budget[0] -= used
        if skipped:
            mib = self.spec["output_limit_bytes"] / float(1 << 20)
            names = ", ".join("%s (%.1f MiB)" % (rel, size / float(1 << 20)) for _, rel, size in skipped[:10])
            more = " and %d more" % (len(skipped) - 10) if len(skipped) > 10 else ""
            note("artifact limit reached (%.0f MiB for the job's files in all): w%d's %s%s not sent back and "
                 "gone with the node's temp folder; write less under $RUNLANE_OUTPUT_DIR, or raise the target's "
                 "output limit" % (mib, rank, names, more))


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        sys.stderr.write(__doc__ + "\n")
        return 2
    try:
        spec = load_spec(args[0])
    except SpecError as err:
        note(str(err))
        return 2
    driver = Driver(spec)
    driver.catch_signals()
    try:
        import ray  # noqa: F401
    except ImportError:
        note("runlane.ray_driver: Ray is not installed in %s on the cluster (pip install 'ray[default]')"
             % sys.executable)
        return 2
    return driver.run()


if __name__ == "__main__":
    sys.exit(main())
