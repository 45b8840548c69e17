"""Hyperparameters found without code changes: a cell's top-level literal assignments (`lr = 3e-4`,
`layers = [64, 64]`) and the variables of the loops around `rl.run()` (`for lr in [...]:`)."""
import ast
import linecache
import numbers


def literal_assignments(source):
    """{name: value} for top-level `name = <literal>` (also `a = b = 1` and annotated assignments).
    Anything that is not a literal (calls, names, comprehensions) is left out; so is a cell that does
    not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return literal_assignments_of(tree)


def literal_assignments_of(tree):
    """literal_assignments() of a parsed module (a job's worker reads them after a re-run's
    overrides have replaced some values in the tree)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None and node.simple:
            targets, value = [node.target], node.value
        else:
            continue
        try:
            literal = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        for target in targets:
            if isinstance(target, ast.Name) and not target.id.startswith("_"):
                found[target.id] = literal
    # `loss = 2.0` before `for step in ...: loss = ...` is a running value's start (an accumulator,
    # a loss, a decayed lr), not a setting: as a param it would sit beside the metric of that name.
    running = names_rebound_in_loops(tree)
    return {name: value for name, value in found.items() if name not in running}


def names_rebound_in_loops(tree):
    """The module-level names a module binds again inside a `for`/`while` (at any depth; assignments
    of every kind, for-targets, with-as, `except as`, `:=`), or that are a loop's own for-target."""
    finder = _LoopBindings()
    finder.visit(tree)
    return finder.names


def _bound_names(target):
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _bound_names(element)]
    return [target.id] if isinstance(target, ast.Name) else []  # `x.a = `, `d[k] = ` re-bind no name


def _declared_global(body):
    """The names a function declares `global` (its own statements, not those of functions inside it)."""
    names, todo = set(), list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Global):
            names.update(node.names)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return names


class _LoopBindings(ast.NodeVisitor):
    """Walks a module counting the loops around each node. A function's names are its own unless it
    declares them global, and a class body's are the class's, so neither re-binds the cell's."""

    def __init__(self):
        self.names = set()
        self.loops = 0
        self.globals = None  # inside a function: the names it declares global

    def _bind(self, target, in_loop=False):
        """Counts the names `target` binds when that happens on every pass of a loop."""
        if in_loop or self.loops:
            self.names.update(name for name in _bound_names(target)
                              if self.globals is None or name in self.globals)

    def _looped(self, nodes):
        self.loops += 1
        for node in nodes:
            self.visit(node)
        self.loops -= 1

    def visit_For(self, node):
        self._bind(node.target, in_loop=True)  # bound again on every pass
        self.visit(node.iter)
        self._looped(node.body)
        for child in node.orelse:
            self.visit(child)

    visit_AsyncFor = visit_For

    def visit_While(self, node):
        self._looped([node.test] + node.body)  # the test runs on every pass too (`while (n := n - 1)`)
        for child in node.orelse:
            self.visit(child)

    def visit_Assign(self, node):
        for target in node.targets:
            self._bind(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._bind(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self._bind(node.target)
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        self._bind(node.target)
        self.generic_visit(node)

    def visit_withitem(self, node):
        if node.optional_vars is not None:
            self._bind(node.optional_vars)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        if node.name:
            self._bind(ast.Name(node.name))
        self.generic_visit(node)

    def _comprehension(self, node):
        # Its variables are its own scope; a `:=` in it binds the cell's name once per item.
        self._looped([node.elt] if hasattr(node, "elt") else [node.key, node.value])
        for generator in node.generators:
            self.visit(generator.iter)
            self._looped(generator.ifs)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_FunctionDef(self, node):
        self._bind(ast.Name(node.name))
        for child in node.decorator_list + node.args.defaults + node.args.kw_defaults:
            if child is not None:
                self.visit(child)
        outer = (self.loops, self.globals)
        # Its body runs when called, not where it is defined: only its own loops count.
        self.loops, self.globals = 0, _declared_global(node.body)
        for child in node.body:
            self.visit(child)
        self.loops, self.globals = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._bind(ast.Name(node.name))
        for child in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(child)

    def visit_Lambda(self, node):
        pass  # its parameters are its own; it has no statements


def imported_modules(source):
    """Top-level module names a cell imports (`import numpy as np`, `from sklearn import svm`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module.split(".")[0])
    return sorted(set(names))


MAX_TUPLE = 8  # a loop over pairs or triples of settings, not over rows of data
MAX_TEXT = 200


def _simple(value):
    """The value as a param when it is a simple one (a number, short text, bool, None, a short tuple
    of those), else None. Data a loop walks over (arrays, tensors, dicts, rows) is not a setting."""
    if value is None or isinstance(value, bool):
        return True, value
    if isinstance(value, numbers.Integral):  # numpy ints are not ints, but are Integral
        return True, int(value)
    if isinstance(value, numbers.Real):
        return True, float(value)
    if isinstance(value, str):
        return len(value) <= MAX_TEXT, value
    if isinstance(value, tuple) and len(value) <= MAX_TUPLE:
        items = [_simple(v) for v in value]
        return all(ok and not isinstance(v, tuple) for ok, v in items), tuple(v for _, v in items)
    return False, None


def _target_names(target):
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []  # `for x.attr in ...`, `for d[k] in ...`: no variable of its own


def _parse_cell(lines):
    """The module of a cell's lines; a job cell's source keeps its `%%runlane` line (and may hold
    other magics), which are blanked so that the rest parses with its line numbers unchanged."""
    try:
        return ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        pass
    plain = ["\n" if line.lstrip().startswith(("%", "!")) else line for line in lines]
    try:
        return ast.parse("".join(plain))
    except (SyntaxError, ValueError):
        return None


def loop_variables(frame):
    """{name: value} of the variables of the `for` loops around the line `frame` is executing
    (outermost first), as they are now, when they hold simple values. The source is read through
    linecache, where IPython keeps every cell; code without source gives {}."""
    lines = linecache.getlines(frame.f_code.co_filename, frame.f_globals)
    if not lines:
        return {}
    tree = _parse_cell(lines)
    if tree is None:
        return {}
    line = frame.f_lineno
    loops = [node for node in ast.walk(tree) if isinstance(node, (ast.For, ast.AsyncFor)) and node.body
             and node.body[0].lineno <= line <= (node.body[-1].end_lineno or node.body[-1].lineno)]
    loops.sort(key=lambda node: node.lineno)
    local, missing = frame.f_locals, object()
    found = {}
    for loop in loops:
        for name in _target_names(loop.target):
            value = local.get(name, frame.f_globals.get(name, missing))
            if value is not missing and not name.startswith("_"):
                ok, value = _simple(value)
                if ok:
                    found[name] = value
    return found
