"""`python -m runlane.sweep.check` (stdin: {"params": [...], "command": [...], "settings": {...}}):
the checks of `runlane sweep`, done by the Python that will run the controller, so the command line
and the notebook share one parser and one set of sentences. Prints the space as JSON (exit 0), or
one sentence on stderr (exit 2). Nothing is started."""
import json
import sys

from ..errors import RunlaneError
from .space import check_space, parse_param
from .study import check_optuna_installed
from .submit import check_settings, space_json


def main():
    request = json.load(sys.stdin)
    try:
        space = {}
        for text in request.get("params") or []:
            name, value = parse_param(text)
            if name in space:
                raise RunlaneError("--param %s is given twice: give each parameter once." % name)
            space[name] = value
        s = request.get("settings") or {}
        check_settings(s.get("trials"), s.get("parallel"), s.get("metric"), s.get("mode"), s.get("sampler"),
                       s.get("pruner"), s.get("warmup", 1))
        check_space(space, request.get("command") or [], s.get("sampler"))
        check_optuna_installed()
    except RunlaneError as err:
        print(str(err), file=sys.stderr)
        return 2
    print(json.dumps(space_json(space)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
