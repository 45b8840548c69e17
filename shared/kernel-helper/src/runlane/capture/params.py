"""Hyperparameters from a cell's top-level literal assignments (`lr = 3e-4`, `layers = [64, 64]`)."""
import ast


def literal_assignments(source):
    """{name: value} for top-level `name = <literal>` (also `a = b = 1` and annotated assignments).
    Anything that is not a literal (calls, names, comprehensions) is left out; so is a cell that does
    not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
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
    return found


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
