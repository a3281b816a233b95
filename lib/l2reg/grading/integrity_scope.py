"""Scopes of a notebook's code: what each statement binds, where, and whether surely.

Imports and assignments (:meth:`_Scopes._bindings`), the names a loop, ``with``,
``except ... as`` or comprehension binds for its own body (:meth:`_Scopes.scoped`), a
function's locals and what the student's calls pass into its parameters
(:meth:`_Scopes.function_scope`), and the names a top-level statement surely rebinds
(:func:`definite`). A mixin of :class:`.integrity_eval._Analysis`, which gives the values.

Examples
--------
>>> import ast
>>> sorted(definite(ast.parse("if a:\\n    x = y = 1\\nelse:\\n    x = 2").body[0]))
['x']
"""

from __future__ import annotations

import ast
import collections

from .integrity_index import _is_pkg

_MAX_CALLS = 100  # calls of one student function whose arguments are followed into it
#: Values followed into a student's function through its arguments (see _passed_in).
_PASSED = frozenset({"mod", "dict", "sysmodules", "globals", "getter", "b", "ipy", "str", "seq", "attrgetter"})
#: Other modules whose functions reach modules and names (importlib, sys.modules, getattr...).
_SPECIAL_MODULES = frozenset({"importlib", "sys", "builtins", "operator", "base64", "codecs"})


class _Scopes:
    """Bindings and scopes; needs ``self.value``, ``self.attr``, ``self.lib``, ``self.memo``,
    ``self.calls``, ``self.lambda_names`` and ``self._overlays`` (see ``_Analysis``)."""

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
