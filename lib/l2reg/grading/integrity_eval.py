"""Abstract evaluation of a notebook's code: what each statement binds and which l2reg objects it reaches.

Names bound to library objects, strings folded from constants, and each statement's uses.
Nothing here executes student code: it is parsed with :mod:`ast` (IPython's own transform
for magics) and evaluated over abstract values (modules, library objects, strings,
builtins such as ``getattr``), bounded in depth, count and length. :mod:`.integrity`
drives :class:`_Analysis` cell by cell and turns what it reaches into findings.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import collections
import re

from .integrity_index import PACKAGE, Library

_MAX_DEPTH = 60  # recursion depth of the expression evaluator
_MAX_STRINGS = 32  # values kept for one string expression
_MAX_STRING_LEN = 4096
_MAX_SEQ = 64  # elements of a list or tuple of strings kept as one value
_MAX_CALLS = 100  # calls of one student function whose arguments are followed into it
#: Values followed into a student's function through its arguments (see _passed_in).
_PASSED = frozenset({"mod", "dict", "sysmodules", "globals", "getter", "b", "ipy", "str", "seq", "attrgetter"})
_MAX_NESTED = 3  # exec("exec('...')") levels analysed
_MAX_NESTED_CODE = 200_000  # characters of exec'd / magic code analysed per notebook
_BUILTINS = frozenset({"getattr", "__import__", "vars", "globals", "locals", "eval", "exec", "compile",
                       "get_ipython"})
_SPECIAL_MODULES = frozenset({"importlib", "sys", "builtins", "operator", "base64", "codecs"})
_IPY_RUNNERS = frozenset({"run_line_magic", "run_cell_magic", "run_cell", "ex", "ev", "magic"})
_STR_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title", "swapcase",
                          "capitalize", "replace", "removeprefix", "removesuffix", "format", "join", "decode",
                          "encode"})



def _transform(source: str) -> str:
    """IPython's own cell transform (magics, ``!``, ``?``), as the grading kernel runs it."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - odd input: analyse it as it is
        return source


def _parse_plain(source: str):
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError, TypeError):
        return None


def _parse(source: str):
    """The cell's syntax tree as the grading kernel (IPython) would compile it, or None.

    Valid Python is left as it is by IPython's transforms (they act on magics, ``!``,
    ``?`` and prompts, none of which is valid Python), so it is parsed directly and only
    a cell that does not parse goes through IPython's ``TransformerManager`` first."""
    tree = _parse_plain(source)
    return tree if tree is not None else _parse_plain(_transform(source))


def _is_pkg(m: str) -> bool:
    return m == PACKAGE or m.startswith(PACKAGE + ".")


class _Analysis:
    """One notebook: the names bound to library objects, cell by cell, and each student
    statement's uses of library objects."""

    def __init__(self, lib: Library):
        self.lib = lib
        self.env: dict = {}  # module-level name -> set of abstract values
        self.nested_budget = _MAX_NESTED_CODE
        self.units: list = []  # (cell index, bound names, uses, referenced names)
        self.direct: dict = {}  # cell index -> set of uses
        self.memo: dict = {}  # (id(node), id(scope)) -> (values, uses); see value()
        self._overlays: list = []  # the scopes scoped() made, alive as long as the memo
        self.calls: dict = {}  # function name or id(lambda) -> the student's Call nodes of it
        self.lambda_names: dict = {}  # id(lambda) -> the names it is assigned to

    # ----- values --------------------------------------------------------------------
    # ("mod", name) | ("obj", module, attr) | ("str", s) | ("b", name) builtin-like marker
    # | ("sysmodules",) | ("dict", module) | ("globals",) | ("ipy",) | ("ipyrun",)
    # | ("getter", base value) | ("attrgetter", s) | ("def",)

    def attr(self, v, a: str, uses: set):
        kind = v[0]
        if kind == "mod":
            m = v[1]
            if _is_pkg(m):
                if a == "__dict__":
                    return {("dict", m)}
                if a in ("__getattribute__", "__getattr__"):
                    return {("getter", v)}
                full = f"{m}.{a}"
                if self.lib.is_module(full):
                    return {("mod", full)}
                uses.add((m, a))
                return {("obj", m, a)}
            if m == "importlib" and a == "import_module":
                return {("b", "import_module")}
            if m == "importlib" and a == "__import__":
                return {("b", "__import__")}
            if m == "sys" and a == "modules":
                return {("sysmodules",)}
            if m == "builtins" and a in _BUILTINS:
                return {("b", a)}
            if m == "operator" and a == "attrgetter":
                return {("b", "attrgetter")}
            if m == "base64" and a in ("b64decode", "b32decode", "b16decode", "b85decode", "a85decode",
                                       "urlsafe_b64decode"):
                return {("b", a)}
            if m == "codecs" and a == "decode":
                return {("b", "codecs.decode")}
            return set()
        if kind == "obj" and a == "__globals__":
            canon = self.lib.canonical(v[1], v[2])
            return {("dict", canon[0])} if canon else set()
        if kind == "ipy" and a in _IPY_RUNNERS:
            return {("ipyrun",)}
        if kind in ("sysmodules", "dict", "globals") and a == "get":
            return {("getter", v)}
        return set()

    def item(self, v, key: str, uses: set, scope):
        if v[0] == "sysmodules":
            return {("mod", key)} if _is_pkg(key) or key in _SPECIAL_MODULES else set()
        if v[0] == "dict":
            return self.attr(("mod", v[1]), key, uses)
        if v[0] == "globals":
            return self.lookup(key, scope, uses)
        if v[0] == "mod":
            return self.attr(v, key, uses)
        return set()

    def lookup(self, name: str, scope, uses: set):
        if scope is not None and name in scope:
            vals = scope[name]
        else:
            vals = self.env.get(name, set())
            if name in _BUILTINS:
                vals = vals | {("b", name)}
            elif name == "__builtins__":
                vals = vals | {("mod", "builtins")}
        for v in vals:
            if v[0] == "obj":
                uses.add(v[1:])
        return vals

    def strings(self, node, scope, depth=0) -> set:
        return {v[1] for v in self.value(node, scope, set(), depth) if v[0] == "str"}

    def value(self, node, scope, uses: set, depth=0) -> set:
        """The abstract values ``node`` may have; every library object reached is added to ``uses``.
        Memoized per node and scope (cleared whenever a scope's bindings change), so a long
        chain (``a.b.c...``, ``'a' + 'a' + ...``) costs linear time."""
        if depth > _MAX_DEPTH or node is None:
            return set()
        key = (id(node), id(scope))
        hit = self.memo.get(key)
        if hit is None:
            found = set()
            hit = self.memo[key] = (self._value(node, scope, found, depth), found)
        uses |= hit[1]
        return hit[0]

    def _value(self, node, scope, uses: set, depth=0) -> set:
        d = depth + 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and len(node.value) <= _MAX_STRING_LEN:
                return {("str", node.value)}
            if isinstance(node.value, bytes) and len(node.value) <= _MAX_STRING_LEN:
                return {("str", node.value.decode("latin-1"))}
            return set()
        if isinstance(node, ast.Name):
            return self.lookup(node.id, scope, uses)
        if isinstance(node, ast.Attribute):
            out = set()
            for v in self.value(node.value, scope, uses, d):
                if v[0] == "str" and node.attr in _STR_METHODS:
                    out.add(("strmethod", v[1], node.attr))
                else:
                    out |= self.attr(v, node.attr, uses)
            return out
        if isinstance(node, ast.Subscript):
            base = self.value(node.value, scope, uses, d)
            if isinstance(node.slice, ast.Slice):
                return self._slice(base, node.slice, scope, d)
            keys = self.strings(node.slice, scope, d)
            out = set()
            for v in base:
                for k in keys:
                    out |= self.item(v, k, uses, scope)
            return out
        if isinstance(node, ast.BinOp):
            return self._binop(node, scope, d)
        if isinstance(node, ast.JoinedStr):
            parts = [{""}]
            for p in node.values:
                if isinstance(p, ast.Constant) and isinstance(p.value, str):
                    parts.append({p.value})
                elif isinstance(p, ast.FormattedValue) and p.format_spec is None:
                    parts.append(self.strings(p.value, scope, d))
                else:
                    return set()
            return {("str", s) for s in _product(parts)}
        if isinstance(node, (ast.List, ast.Tuple)) and 0 < len(node.elts) <= _MAX_SEQ:
            # a list of strings (``parts = ['ridge', '_fit']``), for join and for loops over it
            parts = tuple(frozenset(self.strings(e, scope, d)) for e in node.elts)
            return {("seq", parts)} if all(parts) else set()
        if isinstance(node, ast.IfExp):
            return self.value(node.body, scope, uses, d) | self.value(node.orelse, scope, uses, d)
        if isinstance(node, ast.NamedExpr):
            return self.value(node.value, scope, uses, d)
        if isinstance(node, ast.Call):
            return self._call(node, scope, uses, d)
        return set()

    def _slice(self, base, sl, scope, d):
        def const(n):
            if n is None:
                return None
            if isinstance(n, ast.Constant) and isinstance(n.value, int):
                return n.value
            if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) and isinstance(n.operand, ast.Constant) \
                    and isinstance(n.operand.value, int):
                return -n.operand.value
            raise ValueError

        try:
            s = slice(const(sl.lower), const(sl.upper), const(sl.step))
            return {("str", v[1][s]) for v in base if v[0] == "str"}
        except (ValueError, TypeError):
            return set()

    def _binop(self, node, scope, d):
        if isinstance(node.op, ast.Add):
            return {("str", s) for s in _product([self.strings(node.left, scope, d), self.strings(node.right, scope, d)])}
        if isinstance(node.op, ast.Mult):
            for a, b in ((node.left, node.right), (node.right, node.left)):
                if isinstance(b, ast.Constant) and isinstance(b.value, int) and not isinstance(b.value, bool):
                    out = set()
                    for s in self.strings(a, scope, d):
                        if 0 <= b.value and len(s) * b.value <= _MAX_STRING_LEN:
                            out.add(("str", s * b.value))
                    return out
        if isinstance(node.op, ast.Mod):  # "%s_fit" % "ridge"
            left = self.strings(node.left, scope, d)
            right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            args = [self.strings(r, scope, d) for r in right]
            out = set()
            for fmt in left:
                for combo in _combos(args):
                    try:
                        s = fmt % tuple(combo)
                    except (TypeError, ValueError, OverflowError):
                        continue
                    if len(s) <= _MAX_STRING_LEN:
                        out.add(("str", s))
            return out
        return set()

    def _call(self, node, scope, uses, d):
        func = node.func
        fvals = self.value(func, scope, uses, d)
        args = node.args
        out = set()
        for fv in fvals:
            k = fv[0]
            if k == "strmethod":
                out |= self._strmethod(fv[1], fv[2], args, scope, d)
            elif k == "b" and fv[1] == "getattr" and len(args) >= 2:
                for v in self.value(args[0], scope, uses, d):
                    for s in self.strings(args[1], scope, d):
                        out |= self.attr(v, s, uses)
            elif k == "getter" and args:
                for s in self.strings(args[0], scope, d):
                    base = fv[1]
                    out |= self.item(base, s, uses, scope) if base[0] != "mod" else self.attr(base, s, uses)
            elif k == "b" and fv[1] in ("__import__", "import_module") and args:
                for s in self.strings(args[0], scope, d):
                    if _is_pkg(s):  # __import__ gives the package, or the module with a fromlist
                        out |= {("mod", s)} if fv[1] == "import_module" else {("mod", PACKAGE), ("mod", s)}
                    elif s in _SPECIAL_MODULES:
                        out.add(("mod", s))
            elif k == "b" and fv[1] == "vars":
                if not args:
                    out.add(("globals",))
                for v in (self.value(args[0], scope, uses, d) if args else ()):
                    if v[0] == "mod" and _is_pkg(v[1]):
                        out.add(("dict", v[1]))
            elif k == "b" and fv[1] in ("globals", "locals"):
                out.add(("globals",))
            elif k == "b" and fv[1] == "attrgetter" and args:
                out |= {("attrgetter", s) for s in self.strings(args[0], scope, d)}
            elif k == "attrgetter" and args:
                vals = self.value(args[0], scope, uses, d)
                for part in fv[1].split("."):
                    vals = set().union(*(self.attr(v, part, uses) for v in vals)) if vals else set()
                out |= vals
            elif k == "b" and fv[1] == "get_ipython":
                out.add(("ipy",))
            elif (k == "b" and fv[1] in ("eval", "exec", "compile")) or k == "ipyrun":
                for a in args[:3]:
                    for s in self.strings(a, scope, d):
                        self.nested(s, scope, uses, magic=(k == "ipyrun"))
            elif k == "b" and fv[1] in ("b64decode", "b32decode", "b16decode", "b85decode", "a85decode",
                                        "urlsafe_b64decode") and args:
                for s in self.strings(args[0], scope, d):
                    try:
                        out.add(("str", getattr(base64, fv[1])(s.encode("latin-1")).decode("latin-1")))
                    except (ValueError, binascii.Error, UnicodeError):
                        pass
            elif k == "b" and fv[1] == "codecs.decode" and len(args) >= 2:
                for s in self.strings(args[0], scope, d):
                    for enc in self.strings(args[1], scope, d):
                        if enc.lower().replace("-", "_") in ("rot13", "rot_13"):
                            out.add(("str", codecs.decode(s, "rot13")))
        if isinstance(func, ast.Name) and func.id in ("chr", "str", "reversed", "list", "tuple", "bytes") and args:
            if func.id == "chr" and isinstance(args[0], ast.Constant) and isinstance(args[0].value, int):
                try:
                    out.add(("str", chr(args[0].value)))
                except (ValueError, OverflowError):
                    pass
            elif func.id == "reversed":
                out |= {("str", s[::-1]) for s in self.strings(args[0], scope, d)}
            elif func.id != "chr":
                out |= {("str", s) for s in self.strings(args[0], scope, d)}
        # a call's other values are unknown; its arguments may still reach library objects
        return out

    def _strmethod(self, s, method, args, scope, d):
        argsets = [self.strings(a, scope, d) for a in args]
        if method == "join" and args:
            a = args[0]
            if isinstance(a, (ast.List, ast.Tuple, ast.Set)):
                parts = [self.strings(e, scope, d) for e in a.elts]
                return {("str", s.join(c)) for c in _combos(parts) if len(c) < 1000}
            out = set()
            for v in self.value(a, scope, set(), d):
                if v[0] == "str":
                    out.add(("str", s.join(v[1])))
                elif v[0] == "seq":
                    out |= {("str", s.join(c)) for c in _combos(v[1])}
            return {v for v in out if len(v[1]) <= _MAX_STRING_LEN}
        out = set()
        for combo in _combos(argsets):
            try:
                if method == "format":
                    r = s.format(*combo)
                elif method in ("decode", "encode"):
                    r = s
                else:
                    r = getattr(s, method)(*combo)
            except (TypeError, ValueError, IndexError, KeyError, AttributeError):
                continue
            if isinstance(r, str) and len(r) <= _MAX_STRING_LEN:
                out.add(("str", r))
        return out

    def nested(self, code: str, scope, uses: set, magic: bool):
        """Analyse a string the program runs as code (``exec``, a magic's argument)."""
        if self.nested_budget <= 0 or getattr(self, "_nest", 0) >= _MAX_NESTED:
            return
        self.nested_budget -= len(code)
        candidates = [code]
        if magic:  # "%timeit -n 1 -r 1 ridge_fit(X, y, 1)": try from each of the first words
            candidates += [code[m.start():] for m in list(re.finditer(r"(?<=\s)\S", code))[:8]]
        self._nest = getattr(self, "_nest", 0) + 1
        try:
            for c in candidates:
                tree = _parse(c)
                if tree is not None:
                    local = dict(scope or {})  # what the code imports or assigns, for the code itself
                    for _ in range(2):
                        for stmt in tree.body:
                            for n, vals in self._bindings(stmt, local, uses).items():
                                local.setdefault(n, set()).update(vals)
                    refs = set()
                    for sub in ast.walk(tree):
                        self._use_node(sub, local, uses, refs)
                    break
        finally:
            self._nest -= 1
            self.memo.clear()

    def _use_node(self, sub, scope, uses, refs):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            refs.add(sub.id)
            self.lookup(sub.id, scope, uses)
        elif isinstance(sub, (ast.Attribute, ast.Subscript, ast.Call)):
            self.value(sub, scope, uses)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            self._bind_import(sub, {}, uses, record=True)

    # ----- bindings ------------------------------------------------------------------

    def _bind_import(self, node, target: dict, uses: set, record: bool):
        if isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.split(".")[0]
                if a.asname:
                    val = ("mod", a.name)
                    target.setdefault(a.asname, set()).add(val)
                elif _is_pkg(a.name) or top in _SPECIAL_MODULES:
                    target.setdefault(top, set()).add(("mod", top))
                else:
                    target.setdefault(top, set())  # another module of that name replaces ours
            return
        if node.level or not node.module:
            return
        m = node.module
        for a in node.names:
            if a.name == "*":
                if _is_pkg(m):
                    for n in self.lib.public.get(m, ()):
                        full = f"{m}.{n}"
                        target.setdefault(n, set()).add(("mod", full) if self.lib.is_module(full) else ("obj", m, n))
                continue
            name = a.asname or a.name
            if _is_pkg(m):
                vals = self.attr(("mod", m), a.name, uses if record else set())
            elif m in _SPECIAL_MODULES:
                vals = self.attr(("mod", m), a.name, set())
            else:
                vals = set()
            target.setdefault(name, set()).update(vals)  # another library's name replaces ours

    def _targets(self, t, vals, target: dict):
        if isinstance(t, ast.Name):
            target.setdefault(t.id, set()).update(vals)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self._targets(e.value if isinstance(e, ast.Starred) else e, vals, target)

    def _bindings(self, stmt, scope, uses: set) -> dict:
        """What ``stmt`` binds (name -> values), not looking into nested functions or classes."""
        out: dict = {}
        for node in _walk_scope(stmt):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self._bind_import(node, out, uses, record=True)
            elif isinstance(node, ast.Assign):
                vals = self.value(node.value, scope, uses)
                for t in node.targets:
                    if isinstance(t, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)) \
                            and len(t.elts) == len(node.value.elts):
                        for te, ve in zip(t.elts, node.value.elts):
                            self._targets(te, self.value(ve, scope, uses), out)
                    else:
                        self._targets(t, vals, out)
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                self._targets(node.target, self.value(node.value, scope, uses), out)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                fake = ast.BinOp(left=ast.Name(id=node.target.id, ctx=ast.Load()), op=node.op, right=node.value)
                # not memoized: a temporary node's id may be reused by the next one
                self._targets(node.target, self._value(fake, scope, uses), out)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                self._targets(node.target, self.elements(node.iter, scope, uses), out)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                out.setdefault(node.name, set())
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._targets(item.optional_vars, self.value(item.context_expr, scope, uses), out)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.setdefault(node.name, set()).add(("def",))
        return out

    def elements(self, it, scope, uses: set) -> set:
        """The values a loop over ``it`` binds its target to."""
        elts = it.elts if isinstance(it, (ast.List, ast.Tuple, ast.Set)) else [it]
        vals = set().union(*(self.value(e, scope, uses) for e in elts)) if elts else set()
        for v in [v for v in vals if v[0] == "seq"]:
            vals |= {("str", x) for part in v[1] for x in part}
        return vals

    def scoped(self, node, scope):
        """``(node, scope)`` for every node :func:`_walk_scope` yields, where ``scope`` also holds
        the names a loop, ``with``, ``except ... as`` or comprehension binds for its own body
        (there, they hide the notebook's names of the same spelling); iterative."""
        todo = [(node, scope)]
        while todo:
            n, sc = todo.pop()
            yield n, sc
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                todo.extend((c, sc) for c in _walk_scope_children(n))
            elif isinstance(n, (ast.For, ast.AsyncFor)):
                inner = self._overlay(sc, own := {})
                self._targets(n.target, self.elements(n.iter, sc, set()), own)
                todo += [(n.iter, sc), *((b, inner) for b in n.body), *((b, sc) for b in n.orelse)]
            elif isinstance(n, (ast.With, ast.AsyncWith)):
                inner = self._overlay(sc, own := {})
                for item in n.items:
                    todo.append((item.context_expr, sc))
                    if item.optional_vars is not None:
                        self._targets(item.optional_vars, self.value(item.context_expr, sc, set()), own)
                todo += [(b, inner) for b in n.body]
            elif isinstance(n, ast.ExceptHandler) and n.name:
                inner = self._overlay(sc, {n.name: set()})
                todo += [(n.type, sc), *((b, inner) for b in n.body)] if n.type else [(b, inner) for b in n.body]
            elif isinstance(n, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                inner = self._overlay(sc, own := {})
                for i, g in enumerate(n.generators):
                    outer = sc if i == 0 else inner  # the first iterable is evaluated outside
                    todo.append((g.iter, outer))
                    self._targets(g.target, self.elements(g.iter, outer, set()), own)
                    todo += [(c, inner) for c in g.ifs]
                elts = [n.key, n.value] if isinstance(n, ast.DictComp) else [n.elt]
                todo += [(e, inner) for e in elts]
            else:
                todo.extend((c, sc) for c in ast.iter_child_nodes(n))

    def _overlay(self, scope, own: dict):
        """``own`` in front of ``scope`` (a chain, not a copy: a big function with many loops
        costs no more than its names)."""
        inner = collections.ChainMap(own, scope) if scope else own
        self._overlays.append(inner)  # kept alive: the memo is keyed by id(scope)
        return inner

    def collect_calls(self, tree) -> None:
        """Remember the student's calls of functions and lambdas by name (and lambdas called
        where they are written), for :meth:`_passed_in`; at most :data:`_MAX_CALLS` each."""
        for n in ast.walk(tree):
            if isinstance(n, ast.Call):
                f = n.func
                key = f.id if isinstance(f, ast.Name) else id(f) if isinstance(f, ast.Lambda) else None
                if key is not None and len(self.calls.setdefault(key, [])) < _MAX_CALLS:
                    self.calls[key].append(n)
            elif isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda):
                self.lambda_names[id(n.value)] = [t.id for t in n.targets if isinstance(t, ast.Name)]

    def _passed_in(self, fn, scope: dict) -> None:
        """Give ``fn``'s parameters what the student's calls pass in that can lead to a library
        object by name: modules, module dicts, ``getattr`` and the like, strings. Library
        functions themselves are not passed on: a higher-order answer (``cv(fit, ...)``) the
        student tries with ``ridge_fit`` in a cell of their own does not use it itself."""
        keys = [id(fn), *self.lambda_names.get(id(fn), ())] if isinstance(fn, ast.Lambda) else [fn.name]
        calls = [c for k in keys for c in self.calls.get(k, ())]
        if not calls:
            return
        self.memo.clear()  # evaluated in the notebook's names as they are now
        a = fn.args
        positional = [p.arg for p in [*a.posonlyargs, *a.args]]
        for call in calls:
            pairs = []
            for p, arg in zip(positional, call.args):
                if isinstance(arg, ast.Starred):
                    break
                pairs.append((p, arg))
            pairs += [(kw.arg, kw.value) for kw in call.keywords if kw.arg in scope]
            for p, arg in pairs:
                scope[p] |= {v for v in self.value(arg, None, set()) if v[0] in _PASSED}
        self.memo.clear()

    def function_scope(self, fn) -> dict:
        """Names bound inside a function or class (nested ones flattened into it), their values."""
        body = fn.body if isinstance(fn.body, list) else []
        declared_global = {n for stmt in body for node in _walk_scope(stmt)
                           if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
        scope: dict = {}
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = fn.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None:
                    scope[arg.arg] = set()
            self._passed_in(fn, scope)
        body = fn.body if isinstance(fn.body, list) else [fn.body]
        for _ in range(2):  # flow-insensitive: a second round sees names bound later in the body
            self.memo.clear()
            valued = False
            for stmt in body:
                for n, vals in self._bindings(stmt, scope, set()).items():
                    if n not in declared_global:
                        scope.setdefault(n, set()).update(vals)
                        valued = valued or any(v != ("def",) for v in vals)
            if not valued:  # nothing bound to a library object or a string: one round is exact
                break
        self.memo.clear()
        return scope, declared_global


def _walk_scope(node):
    """``ast.walk`` that does not enter the bodies of functions, lambdas or classes (their
    decorators, defaults and bases are evaluated where they are defined); iterative."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(_walk_scope_children(n))
        else:
            todo.extend(ast.iter_child_nodes(n))


def _walk_scope_children(n) -> list:
    """What of a function, lambda or class definition runs where it is defined."""
    if isinstance(n, ast.ClassDef):
        return [*n.decorator_list, *n.bases, *(k.value for k in n.keywords)]
    return [*getattr(n, "decorator_list", ()), *n.args.defaults, *(d for d in n.args.kw_defaults if d is not None)]


def definite(stmt) -> set:
    """The names a top-level statement surely rebinds when it completes (both branches of an
    ``if``, a ``with`` target, a walrus statement), as opposed to ones it may (a loop's)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"}
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, ast.Assign):
        return {n for t in stmt.targets for n in _target_names(t)}
    if isinstance(stmt, ast.AnnAssign):
        return _target_names(stmt.target) if stmt.value is not None else set()
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.NamedExpr):
        return _target_names(stmt.value.target)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        names = {n for item in stmt.items if item.optional_vars is not None for n in _target_names(item.optional_vars)}
        return names | _definite_all(stmt.body)
    if isinstance(stmt, ast.If):
        return _definite_all(stmt.body) & _definite_all(stmt.orelse) if stmt.orelse else set()
    if isinstance(stmt, ast.Try) and stmt.handlers:
        names = _definite_all(stmt.body + stmt.orelse)
        for h in stmt.handlers:
            names &= _definite_all(h.body)
        return names | _definite_all(stmt.finalbody)
    return set()


def _definite_all(stmts) -> set:
    return set().union(*(definite(s) for s in stmts[:1000])) if stmts else set()


def _target_names(t) -> set:
    if isinstance(t, ast.Name):
        return {t.id}
    if isinstance(t, (ast.Tuple, ast.List)):
        return {n for e in t.elts for n in _target_names(e.value if isinstance(e, ast.Starred) else e)}
    return set()


def _product(sets):
    out = {""}
    for s in sets:
        if not s:
            return set()
        out = {a + b for a in out for b in s if len(a) + len(b) <= _MAX_STRING_LEN}
        if len(out) > _MAX_STRINGS:
            out = set(sorted(out)[:_MAX_STRINGS])
    return out


def _combos(sets):
    out = [()]
    for s in sets:
        if not s:
            return []
        out = [c + (x,) for c in out for x in sorted(s)][:_MAX_STRINGS]
    return out

