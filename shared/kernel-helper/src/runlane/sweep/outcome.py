"""What a sweep records of itself (a mixin of the controller): its settings as the sweep run's params,
`sweep/result.json` after each trial (written atomically: a crash leaves the previous one whole), the
best-so-far series, and the summary lines that end the cell."""
import json
import os
import time

from ..store.atomic import write_file_atomic
from .space import Distribution


def _text(value):
    return "%.4g" % value if isinstance(value, float) else repr(value) if isinstance(value, str) else str(value)


def values_text(values):
    return ", ".join("%s=%s" % (k, _text(v)) for k, v in values.items())


_TAIL_MARK = " Its last lines:"


def error_line(error):
    """A run's error in one line, for the sweep's lines and result.json. A failed job's error is "Worker
    w0 exited with code 1. Its last lines:\n[stderr]\n...traceback...": what happened, then the exception
    (the last line of the worker's stderr), as the editors' tooltips show it (vscode-ext errorText.ts).
    Its first line alone ended at "Its last lines:" and named no exception."""
    error = error or ""
    mark = error.find(_TAIL_MARK)
    if mark < 0:
        return next((line.strip() for line in error.splitlines() if line.strip()), "")
    stderr = error[mark + len(_TAIL_MARK):].partition("[stderr]\n")[2].partition("\n[stdout]\n")[0]
    last = [line.strip() for line in stderr.splitlines() if line.strip()]
    return error[:mark].strip() + (" " + last[-1] if last else "")


class Outcome:
    def _record_sweep(self):
        space = {k: repr(v) if isinstance(v, Distribution) else v for k, v in self.space.items()}
        self.writer.set_params(self.sweep_id, {
            "sweep.space": space, "sweep.sampler": self.spec.get("sampler", "tpe"),
            "sweep.pruner": self.spec.get("pruner", "median"), "sweep.seed": self.spec.get("seed"),
            **({"sweep.warmup": self.spec.get("warmup", 1)} if self.spec.get("pruner", "median") == "median" else {}),
            "sweep.metric": self.metric, "sweep.mode": self.mode, "sweep.trials": self.total,
            "sweep.parallel": self.parallel, **({"sweep.resume_of": self.spec["resume_of"]}
                                                 if self.spec.get("resume_of") else {})})
        self.writer.set_tags(self.sweep_id, {"runlane.sweep.role": "sweep"})

    def _best(self):
        finished = [r for r in self.records if r["state"] == "finished"]
        if not finished:
            return None
        return (min if self.mode == "min" else max)(finished, key=lambda r: r["value"])

    def _write_result(self):
        self.dirty = False
        best = self._best()
        result = {"sweep": self.sweep_id, "metric": self.metric, "mode": self.mode, "trials": self.records,
                  "best": best}
        write_file_atomic(os.path.join(self.folder, "result.json"), json.dumps(result), self.writer.writer_id)
        if best is not None:
            n = len(self.records)
            self.writer.append_metric(self.sweep_id, "sweep/best", [(n, time.time(), best["value"])])

    def _finish(self):
        best = self._best()
        counts = {}
        for r in self.records:
            counts[r["state"]] = counts.get(r["state"], 0) + 1
        self.out("Sweep done: %s." % (", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())) or "no trial ran"))
        if self.refused:
            self.out("The target refused a trial, so the sweep started no more: resume it once the target takes "
                     "the job (%%runlane resume %s, or runlane sweep --resume %s), or run it again with other options."
                     % (self.sweep_id, self.sweep_id))
        if best is None:
            self.out("No trial finished with a value of %s." % self.metric)
            return 1
        self.writer.set_params(self.sweep_id, {"sweep.best_trial": best["number"], "sweep.best_run": best["run_id"],
                                               "sweep.best_value": best["value"], "sweep.best_params": best["params"]})
        self.out("Best: trial %d (run %s): %s = %.6g with %s" % (best["number"], best["run_id"], self.metric,
                                                                best["value"], values_text(best["params"])))
        return 0
