"""A sweep's search space: `rl.loguniform(lo, hi)`, `rl.uniform(lo, hi)`, `rl.choice([...])`,
`rl.intrange(lo, hi, log=False)`, written in a cell's top-level assignments or as `--param
"lr=loguniform(1e-4,1e-1)"`. Every check happens here, before any trial runs, and fails with one
sentence that says what to write instead. Standard library only: Optuna is needed by the controller,
not to declare a space."""
import ast
import math

from ..errors import RunlaneError

KINDS = ("loguniform", "uniform", "choice", "intrange")


class SpaceError(RunlaneError, ValueError):
    """A search space that cannot be swept; nothing ran."""

    def _render_traceback_(self):
        return ["\x1b[31mSpaceError: %s\x1b[0m" % self]


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpaceError("%s must be a finite number, got %r." % (what, value))
    return value


class Distribution:
    """One parameter's range. `kind` and `args` are its JSON form (the sweep run's params show it)."""

    def __init__(self, kind, **args):
        self.kind = kind
        self.args = args

    def to_json(self):
        return dict(self.args, kind=self.kind)

    def __repr__(self):
        inner = ", ".join("%s=%r" % (k, v) for k, v in sorted(self.args.items()))
        return "rl.%s(%s)" % (self.kind, inner)

    def __eq__(self, other):
        return isinstance(other, Distribution) and self.to_json() == other.to_json()

    def __hash__(self):
        return hash(repr(self))

    def grid(self):
        """The values a grid search visits, or None for a continuous range."""
        if self.kind == "choice":
            return list(self.args["values"])
        if self.kind == "intrange" and self.args["hi"] - self.args["lo"] < 10000:
            return list(range(self.args["lo"], self.args["hi"] + 1))
        return None


def loguniform(lo, hi):
    """A float between lo and hi, uniform in log space (learning rates, weight decay). lo > 0."""
    lo, hi = _number(lo, "loguniform's low end"), _number(hi, "loguniform's high end")
    if lo <= 0:
        raise SpaceError("loguniform(%r, %r): the low end must be above 0 (a log scale has no 0 or negatives); "
                         "use uniform(%r, %r) for a range that starts at 0." % (lo, hi, lo, hi))
    if hi <= lo:
        raise SpaceError("loguniform(%r, %r): the high end must be above the low end." % (lo, hi))
    return Distribution("loguniform", lo=float(lo), hi=float(hi))


def uniform(lo, hi):
    """A float between lo and hi."""
    lo, hi = _number(lo, "uniform's low end"), _number(hi, "uniform's high end")
    if hi <= lo:
        raise SpaceError("uniform(%r, %r): the high end must be above the low end." % (lo, hi))
    return Distribution("uniform", lo=float(lo), hi=float(hi))


def choice(*values):
    """One of the values (numbers, strings, booleans or None): `choice([1, 2, 3])`, or on a command
    line `choice(1,2,3)`."""
    values = values[0] if len(values) == 1 and not isinstance(values[0], (str, bytes)) else list(values)
    if not hasattr(values, "__iter__"):
        raise SpaceError("choice takes a list of values, e.g. choice([1, 2, 3]), got %r." % (values,))
    values = list(values)
    if not values:
        raise SpaceError("choice([]) has nothing to choose from: give it at least one value, e.g. choice([1, 2, 3]).")
    for v in values:
        if v is not None and not isinstance(v, (bool, int, float, str)):
            raise SpaceError("choice values must be numbers, strings, booleans or None (they are sent to each "
                             "trial as JSON), got %r." % (v,))
    if len(set(map(repr, values))) != len(values):
        raise SpaceError("choice(%r) lists a value twice: list each value once." % (values,))
    return Distribution("choice", values=values)


def intrange(lo, hi, log=False):
    """A whole number from lo to hi, both included; `log=True` samples in log space (batch sizes)."""
    for v, end in ((lo, "low"), (hi, "high")):
        if isinstance(v, bool) or not isinstance(v, int):
            raise SpaceError("intrange(%r, %r): the %s end must be a whole number." % (lo, hi, end))
    if hi < lo:
        raise SpaceError("intrange(%r, %r): the high end must not be below the low end." % (lo, hi))
    if log and lo <= 0:
        raise SpaceError("intrange(%r, %r, log=True): the low end must be 1 or more on a log scale." % (lo, hi))
    return Distribution("intrange", lo=lo, hi=hi, log=bool(log))


FACTORIES = {"loguniform": loguniform, "uniform": uniform, "choice": choice, "intrange": intrange}


def from_json(obj):
    """A distribution from its JSON form (the controller's spec), checked again."""
    kind = obj.get("kind") if isinstance(obj, dict) else None
    if kind not in FACTORIES:
        raise SpaceError(_unknown(kind))
    if kind == "choice":
        return choice(obj.get("values"))
    args = {k: v for k, v in obj.items() if k != "kind"}
    return FACTORIES[kind](**args)


def _unknown(name):
    return ("unknown distribution %r: a parameter's range is one of loguniform(lo, hi), uniform(lo, hi), "
            "choice([a, b, ...]) or intrange(lo, hi, log=False)." % (name,))


def _literal(node, source):
    """A literal argument; a bare word is a string, so `choice(adam,sgd)` works on a command line."""
    if isinstance(node, ast.Name):
        return {"true": True, "false": False, "none": None}.get(node.id.lower(), node.id)
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise SpaceError("%s: arguments must be plain values (numbers, strings, lists), not %s."
                         % (source, ast.get_source_segment(source, node) or "an expression")) from None


def _call(call, source):
    """The distribution a call node names (`loguniform(1e-4, 1e-1)`, `rl.choice([1, 2])`)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name not in FACTORIES:
        raise SpaceError(_unknown(name))
    args = [_literal(a, source) for a in call.args]
    kwargs = {k.arg: _literal(k.value, source) for k in call.keywords if k.arg}
    try:
        return FACTORIES[name](*args, **kwargs)
    except TypeError as err:
        raise SpaceError("%s: %s." % (source.strip(), err)) from None


def parse_param(text):
    """`--param "lr=loguniform(1e-4,1e-1)"` -> ("lr", distribution); `--param epochs=5` -> ("epochs", 5)."""
    name, sep, rhs = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise SpaceError('--param %r: write NAME=RANGE, e.g. --param "lr=loguniform(1e-4,1e-1)" or '
                         '--param "layers=choice(1,2,3)".' % text)
    try:
        node = ast.parse(rhs.strip(), mode="eval").body
    except SyntaxError:
        raise SpaceError('--param %r: %r is not a range; write e.g. loguniform(1e-4,1e-1), uniform(0,0.5), '
                         'choice(1,2,3) or intrange(16,128).' % (text, rhs)) from None
    if isinstance(node, ast.Call):
        return name, _call(node, rhs)
    return name, _literal(node, rhs)


def is_space_call(node, aliases):
    """Whether an assignment's value is `rl.<something>(...)` on the runlane module (any alias) or a
    bare `loguniform(...)`: those are the cell's sweep parameters."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in aliases:
        return True
    return isinstance(func, ast.Name) and func.id in FACTORIES


def cell_space(body, aliases=("rl", "runlane")):
    """The space a sweep cell declares: its top-level `name = rl.<range>(...)` assignments. Returns
    (space, the cell's other top-level literals); the body itself runs unchanged in each trial, with
    those assignments replaced by the trial's values (runlane.worker's overrides)."""
    from ..capture.params import literal_assignments_of

    tree = ast.parse(body)
    space = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if is_space_call(node.value, aliases):
                space[node.targets[0].id] = _call(node.value, ast.get_source_segment(body, node.value) or body)
    return space, literal_assignments_of(tree)


def check_space(space, command=None, sampler="tpe"):
    """The checks that need the whole space: at least one range, every `{name}` of a command has a
    parameter, and a grid sampler has a finite grid."""
    ranges = {k: v for k, v in space.items() if isinstance(v, Distribution)}
    if not ranges:
        raise SpaceError("The sweep has no parameter to search: declare one, e.g. lr = rl.loguniform(1e-4, 1e-1) "
                         'in the cell, or --param "lr=loguniform(1e-4,1e-1)".')
    for arg in command or []:
        for name in placeholders(arg):
            if name not in space:
                raise SpaceError("The command names {%s} but the sweep has no parameter %r; the parameters are: %s."
                                 % (name, name, ", ".join(sorted(space))))
    if sampler == "grid":
        for name, dist in ranges.items():
            if dist.grid() is None:
                raise SpaceError("The grid sampler needs a list of values for each parameter; %s is %r: use choice "
                                 "or intrange, or --sampler tpe|random." % (name, dist))


def placeholders(arg):
    """The `{name}`s in one command argument (`{{` is a literal brace)."""
    import string

    try:
        return [field for _, field, _, _ in string.Formatter().parse(arg) if field]
    except ValueError as err:
        raise SpaceError("The command argument %r has an unmatched brace (%s); write {{ or }} for a brace itself."
                         % (arg, err)) from None


def fill(arg, values):
    """One command argument with the trial's values put in: it stays one argument, never a shell word."""
    return arg.format(**{k: v for k, v in values.items()}) if placeholders(arg) or "{{" in arg or "}}" in arg else arg
