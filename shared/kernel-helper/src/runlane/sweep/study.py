"""Optuna, behind one seam: the study (its journal file in the sweep run's folder, so a sweep resumes
without repeating finished trials), the samplers and pruners a sweep names, and a trial's values.
Optuna is an optional extra of the helper: nothing here is imported until a sweep runs."""
import os

from .space import Distribution, SpaceError

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "hyperband", "none")
INSTALL = ("Sweeps need Optuna, which the Runlane helper does not install by itself: "
           "pip install 'optuna==5.0.0' (or pip install 'runlane[sweep]') in the Python that runs the sweep.")


def import_optuna():
    try:
        import optuna
    except ImportError:
        raise SpaceError(INSTALL) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the sweep prints its own lines
    return optuna


def check_optuna_installed():
    """Fails with the install sentence before a sweep is submitted, when this Python lacks Optuna."""
    import importlib.util

    if importlib.util.find_spec("optuna") is None:
        raise SpaceError(INSTALL)


def make_sampler(optuna, name, space, seed):
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "grid":
        grid = {k: d.grid() for k, d in space.items() if isinstance(d, Distribution)}  # fixed values are not searched
        return optuna.samplers.GridSampler(grid, seed=seed)
    # A TPE sampler with a seed is reproducible one trial at a time; with trials in parallel the
    # order results arrive in also shapes it, as with any asynchronous search.
    return optuna.samplers.TPESampler(seed=seed)


def make_pruner(optuna, name, warmup=1):
    if name == "median":
        # Optuna's defaults, except fewer trials to learn from first: sweeps here are often 8-20 trials.
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=warmup)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner()
    return optuna.pruners.NopPruner()


def open_study(optuna, folder, name, mode, sampler, pruner, space, seed, warmup=1):
    """The sweep's study in `folder`/journal.log: Optuna's file journal, an append-only log that
    several processes may share and that a crash mid-write leaves readable (a torn last record is
    ignored). Loaded if it exists: a resumed sweep continues the same study."""
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    os.makedirs(folder, exist_ok=True)
    storage = JournalStorage(JournalFileBackend(os.path.join(folder, "journal.log")))
    study = optuna.create_study(study_name=name, storage=storage, load_if_exists=True,
                                direction="minimize" if mode == "min" else "maximize",
                                sampler=make_sampler(optuna, sampler, space, seed),
                                pruner=make_pruner(optuna, pruner, warmup))
    done = len(study.trials)
    if done and seed is not None:
        # A resumed study: a sampler seeded as before would draw the first trials' values again; a
        # seed moved by the trials already in the journal keeps the sweep repeatable and new.
        study.sampler = make_sampler(optuna, sampler, space, seed + done)
    return study


def suggest(trial, space):
    """The trial's values, one per parameter of the space."""
    values = {}
    for name, dist in space.items():
        if not isinstance(dist, Distribution):
            continue
        a = dist.args
        if dist.kind == "loguniform":
            values[name] = trial.suggest_float(name, a["lo"], a["hi"], log=True)
        elif dist.kind == "uniform":
            values[name] = trial.suggest_float(name, a["lo"], a["hi"])
        elif dist.kind == "intrange":
            values[name] = trial.suggest_int(name, a["lo"], a["hi"], log=a.get("log", False))
        else:
            values[name] = trial.suggest_categorical(name, a["values"])
    return values
