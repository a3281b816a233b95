"""Abstract evaluation of a notebook's code: the values its expressions may have, and the l2reg objects they reach.

Modules and library objects, strings folded from constants, and the code inside ``exec``
and magics; what statements bind, and where, is :mod:`.integrity_scope`'s (a mixin).
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
import re

from .integrity_index import PACKAGE, Library, _is_pkg, parse_python
from .integrity_scope import _SPECIAL_MODULES, _Scopes

_MAX_DEPTH = 60  # recursion depth of the expression evaluator
_MAX_STRINGS = 32  # values kept for one string expression
_MAX_STRING_LEN = 4096
_MAX_SEQ = 64  # elements of a list or tuple of strings kept as one value
_MAX_NESTED = 3  # exec("exec('...')") levels analysed
_MAX_NESTED_CODE = 200_000  # characters of exec'd / magic code analysed per notebook
_BUILTINS = frozenset({"getattr", "__import__", "vars", "globals", "locals", "eval", "exec", "compile",
                       "get_ipython"})
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
        return parse_python(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError, TypeError):
        return None


def _parse(source: str):
    """The cell's syntax tree as the grading kernel (IPython) would compile it, or None.

    Valid Python is left as it is by IPython's transforms (they act on magics, ``!``,
    ``?`` and prompts, none of which is valid Python), so it is parsed directly and only
    a cell that does not parse goes through IPython's ``TransformerManager`` first."""
    tree = _parse_plain(source)
    return tree if tree is not None else _parse_plain(_transform(source))


class _Analysis(_Scopes):
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

