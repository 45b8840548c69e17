"""The run a `%runlane attach RUN` / `%runlane resume RUN` line names: the full id, or the short id
the editors show (its last 6 characters), or a unique prefix or suffix of 4+ characters: the same
rule as the `runlane` command line (shared/core/src/cli/runIds.ts)."""
import os

from ..errors import RunlaneError

# Fewer characters would let a slip of the keyboard pick some run by chance (git asks 4 of a hash too).
MIN_SHORT_ID = 4
LISTED = 5


class AmbiguousRunId(RunlaneError):
    """A part of an id that several runs share; the message names them and says what to do."""


def resolve_run_id(store, given):
    """The full id `given` stands for among the store's runs; `given` itself when it matches none, so
    what reads the run next says what it always said about an unknown id."""
    try:
        ids = [n for n in os.listdir(os.path.join(str(store), "runs")) if ".tmp-" not in n]  # a half-made run
    except FileNotFoundError:
        return given
    if given in ids or len(given) < MIN_SHORT_ID:
        return given
    matches = sorted(i for i in ids if i.startswith(given) or i.endswith(given))
    if len(matches) > 1:
        more = " and %d more" % (len(matches) - LISTED) if len(matches) > LISTED else ""
        listed = ", ".join(matches[:LISTED]) + more
        raise AmbiguousRunId('"%s" matches %d runs (%s). Give more characters of the run id (`runlane ls` lists them).'
                             % (given, len(matches), listed))
    return matches[0] if matches else given
