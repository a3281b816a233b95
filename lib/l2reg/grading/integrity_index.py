"""A static index of the l2reg library's own source: definitions, re-exports, who refers to whom.

:func:`library_index` parses the installed package once per process (never imports it) for
:mod:`.integrity`, which asks :meth:`Library.forbidden` what an answer forbidding some names
must not reach: the named definitions, every library definition that calls one
(transitively) and their private parts.

Examples
--------
>>> lib = library_index()
>>> lib.canonical("l2reg", "ridge_fit")
('l2reg.ridge', 'ridge_fit')
>>> ("l2reg.ridge", "ridge_fit") in lib.forbidden(["ridge_fit"])
True
"""

from __future__ import annotations

import ast
import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path

#: The package checked.
PACKAGE = "l2reg"

# CPython 3.11 keeps the AST constructor's recursion depth in state shared by every thread
# of the interpreter, so two threads building syntax trees at once (the grading threads of
# ``--jobs 2``, each checking its student's notebook) can fail each other with a spurious
# "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905 and its
# fix, python/cpython#106906): a student scored 0 for nothing of theirs. One lock for every
# ast.parse of the grader.
_PARSE_LOCK = threading.Lock()


def parse_python(source: str, *args, **kwargs):
    """:func:`ast.parse`, one thread at a time (see above); same arguments, same errors.

    Examples
    --------
    >>> type(parse_python("x = 1").body[0]).__name__
    'Assign'
    """
    with _PARSE_LOCK:
        return ast.parse(source, *args, **kwargs)
#: Library modules whose helpers are shared by everything (validation): never "part of" an answer.
_SHARED = ("l2reg._validation", "l2reg._check_arrays", "l2reg._check_scalars", "l2reg._params")


def _is_pkg(m: str) -> bool:
    """Whether the dotted name ``m`` is the package or one of its modules."""
    return m == PACKAGE or m.startswith(PACKAGE + ".")


@dataclass
class Library:
    """A static index of the package's modules: definitions, re-exports, public names and
    which definition refers to which."""

    modules: set = field(default_factory=set)
    defs: dict = field(default_factory=dict)  # module -> set of names defined at top level
    aliases: dict = field(default_factory=dict)  # module -> {name: ("obj", m, a) | ("mod", m)}
    public: dict = field(default_factory=dict)  # module -> names a star import binds
    refs: dict = field(default_factory=dict)  # (m, a) -> set of (m, a) it refers to
    _forbidden: dict = field(default_factory=dict, repr=False)  # cache of forbidden()

    def is_module(self, name: str) -> bool:
        return name in self.modules

    def canonical(self, module: str, attr: str, _depth: int = 0):
        """``(module, name)`` of the definition ``module.attr`` is, or None if unknown."""
        if _depth > 20:
            return None
        if attr in self.defs.get(module, ()):
            return (module, attr)
        target = self.aliases.get(module, {}).get(attr)
        if target and target[0] == "obj":
            return self.canonical(target[1], target[2], _depth + 1)
        return None

    def named(self, name: str) -> set:
        """Every definition called ``name`` in any module."""
        return {(m, name) for m, names in self.defs.items() if name in names}

    def forbidden(self, names) -> dict:
        """The definitions an answer forbidding ``names`` must not reach, each mapped to
        ``(declared name, how)``: the named definitions themselves, every library
        definition that refers to one (transitively), and their private parts."""
        key = tuple(sorted(names))
        if key not in self._forbidden:
            self._forbidden[key] = self._closure(key)
        return self._forbidden[key]

    def _closure(self, names) -> dict:
        out = {}
        todo = []
        for n in names:
            for d in self.named(n) | ({self.canonical(PACKAGE, n)} - {None}):
                out[d] = (n, "")
                todo.append(d)
        callers = {}
        for src, targets in self.refs.items():
            for t in targets:
                callers.setdefault(t, set()).add(src)
        # private parts first (not their callers: ridge_fit's SVD helpers are shared with bayes)
        stack = list(todo)
        while stack:
            d = stack.pop()
            for t in self.refs.get(d, ()):
                private = t[1].startswith("_") or any(p.startswith("_") for p in t[0].split(".")[1:])
                if private and t[0] not in _SHARED and t not in out:
                    out[t] = (out[d][0], "part of")
                    stack.append(t)
        stack = list(todo)
        while stack:
            d = stack.pop()
            for c in callers.get(d, ()):
                if c not in out:
                    out[c] = (out[d][0], "which calls")
                    stack.append(c)
        return out


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.lru_cache(maxsize=2)
def library_index(root: str | None = None) -> Library:
    """The static :class:`Library` of the installed package (or of the package folder
    ``root``): parsed once per process, never imported, so indexing costs no plotting or
    widget import. ``grading`` and ``cli`` are left out (no answer calls them)."""
    pkg = Path(root) if root else Path(__file__).resolve().parent.parent
    lib = Library()
    files = {}
    for path in sorted(pkg.rglob("*.py")):
        name = _module_name(pkg, path)
        if name.startswith(f"{PACKAGE}.grading") or name == f"{PACKAGE}.cli":
            continue
        lib.modules.add(name)
        files[name] = path
    for name, path in files.items():
        try:
            tree = parse_python(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, OSError):
            continue
        _index_module(lib, name, tree, path.name == "__init__.py")
    # refer to definitions, not to the re-exports they were reached through
    lib.refs = {k: {lib.canonical(*t) or t for t in v} for k, v in lib.refs.items()}
    return lib


def _index_module(lib: Library, name: str, tree, is_package: bool):
    defs, aliases, all_names = set(), {}, None
    package = name if is_package else name.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[: len(up) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            if not base.startswith(PACKAGE):
                continue
            for a in node.names:
                if a.name == "*":
                    continue
                full = f"{base}.{a.name}"
                aliases[a.asname or a.name] = ("mod", full) if full in lib.modules else ("obj", base, a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith(PACKAGE) and a.asname:
                    aliases[a.asname] = ("mod", a.name)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            if isinstance(node.value, (ast.List, ast.Tuple)):
                all_names = [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    lib.defs[name], lib.aliases[name] = defs, aliases
    lib.public[name] = all_names if all_names is not None else sorted(
        n for n in defs | set(aliases) if not n.startswith("_"))
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        targets = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                if sub.id in defs and sub.id != node.name:
                    targets.add((name, sub.id))
                elif sub.id in aliases and aliases[sub.id][0] == "obj":
                    targets.add(aliases[sub.id][1:])
            elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                a = aliases.get(sub.value.id)
                if a and a[0] == "mod":
                    targets.add((a[1], sub.attr))
        lib.refs[(name, node.name)] = targets

