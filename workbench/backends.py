"""One analysis, several engines: the dispatch that lets backends plug into the analyses.

An analysis (:func:`workbench.network.forward_edges`, ...) is one public function whose body
is the in-memory (pandas) implementation, decorated with :func:`dispatchable`. A *backend*
(the corpus store's DuckDB, a Dask cluster) registers a predicate that *claims* data objects
(:func:`register_backend`) and its own implementations of analyses by name
(:func:`implements`). On each call the analysis offers its first argument (the data) to the
backends in priority order; the first that claims it and implements the analysis runs it with
the same arguments (defaults filled in); when no backend claims the data, the function body
runs. Data claimed only by backends without an implementation of the analysis is refused with
a :class:`~workbench.errors.ParameterError` naming both.

Implementations are registered as ``"module:function"`` strings and imported on first use,
so registering costs nothing at import time and a backend's module may import the analyses'
public kernels without an import cycle. This module imports nothing from the workbench but
its errors (in the spirit of networkx's ``utils/backends.py``).

:mod:`workbench.store` registers two backends when the workbench is imported: ``dask``
(priority 10; claims a store while a cluster is in use) and ``duckdb`` (claims every store),
each implementing ``network.forward_edges``, ``network.mention_edges``,
``timeline.message_volume``, ``timeline.keyword_trend`` and ``crosspost.find_crossposts``.

Examples
--------
A backend for data held elsewhere, with its own ``forward_edges``:

>>> import pandas as pd
>>> import workbench as wb
>>> from workbench import backends
>>> class Remote:
...     "Messages kept on a server."
>>> _ = backends.register_backend("remote", claims=lambda d: isinstance(d, Remote),
...                               label="remote server")
>>> backends.implements("network.forward_edges", "remote", lambda d, *, min_weight: "asked")
>>> wb.network.forward_edges(Remote())
'asked'
>>> wb.network.cocitation_edges(Remote())
Traceback (most recent call last):
...
workbench.errors.ParameterError: network.cocitation_edges has no remote server implementation for a Remote
>>> backends.unregister_backend("remote")
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ParameterError

__all__ = [
    "Backend",
    "analyses",
    "backend_for",
    "backends",
    "dispatchable",
    "implementation",
    "implementations",
    "implements",
    "register_backend",
    "unregister_backend",
]


@dataclass(frozen=True)
class Backend:
    """A registered backend.

    Attributes
    ----------
    name : str
        Short key (``"duckdb"``).
    claims : callable
        ``claims(data) -> bool``: whether this backend takes ``data``. It may raise to refuse
        data it would claim but cannot serve (Dask asked for, no cluster running).
    priority : int
        Higher is asked first.
    label : str
        How messages name it (``"DuckDB"``).
    hint : str
        What to do with claimed data when an analysis has no implementation here.
    """

    name: str
    claims: Callable[[object], bool]
    priority: int = 0
    label: str = ""
    hint: str = ""


_BACKENDS: dict[str, Backend] = {}
_ORDER: list[Backend] = []  # by priority (highest first), then registration order
#: analysis -> backend -> "module:function" or a callable
_TARGETS: dict[str, dict[str, str | Callable]] = {}
_LOADED: dict[tuple[str, str], Callable] = {}
_ANALYSES: dict[str, Callable] = {}


def register_backend(name: str, *, claims: Callable[[object], bool], priority: int = 0,
                     label: str | None = None, hint: str = "") -> Backend:
    """Register (or replace) a backend that claims data objects with ``claims``.

    Parameters
    ----------
    name : str
        Short key, used by :func:`implements`.
    claims : callable
        ``claims(data) -> bool``, asked on every call of a dispatchable analysis: keep it
        cheap (an ``isinstance``), and let it raise only to refuse data outright.
    priority : int, default 0
        Backends with a higher priority are asked first (Dask before DuckDB).
    label : str, optional
        How error messages name the backend (default: ``name``).
    hint : str, optional
        Advice appended when claimed data meets an analysis without an implementation here
        (``"take a slice with store.corpus(...)"``).

    Returns
    -------
    Backend

    Examples
    --------
    >>> from workbench import backends
    >>> class Wrapped(list):
    ...     pass
    >>> toy = backends.register_backend("toy", claims=lambda d: isinstance(d, Wrapped))
    >>> toy.priority, backends.unregister_backend("toy")
    (0, None)
    """
    if not isinstance(name, str) or not name or ":" in name:
        raise ParameterError(f"backend name {name!r}: expected a short non-empty string")
    if not callable(claims):
        raise ParameterError(f"claims={claims!r} for backend {name!r}: expected a callable")
    backend = Backend(name, claims, int(priority), label or name, hint)
    _BACKENDS[name] = backend
    _reorder()
    return backend


def unregister_backend(name: str) -> None:
    """Remove a backend and every implementation registered for it (nothing if unknown)."""
    _BACKENDS.pop(name, None)
    for targets in _TARGETS.values():
        targets.pop(name, None)
    for key in [k for k in _LOADED if k[1] == name]:
        del _LOADED[key]
    _reorder()


def _reorder() -> None:
    order = list(_BACKENDS)
    _ORDER[:] = sorted(_BACKENDS.values(), key=lambda b: (-b.priority, order.index(b.name)))


def implements(analysis: str, backend: str, target: str | Callable | None = None):
    """Register ``backend``'s implementation of ``analysis``.

    Parameters
    ----------
    analysis : str
        The analysis' name as :func:`dispatchable` gives it (``"network.forward_edges"``).
    backend : str
        A backend name (it may be registered before or after its implementations).
    target : str or callable, optional
        ``"package.module:function"`` (imported on the first call that needs it) or a
        callable. Omitted: ``implements`` returns a decorator that registers the function
        it decorates (and returns it unchanged).

    Notes
    -----
    The implementation is called like the analysis, with every parameter the analysis
    declares, defaults filled in: ``impl(data, *, min_weight=1)`` for
    ``forward_edges(data)``. It must return what the analysis returns.

    Examples
    --------
    >>> from workbench import backends
    >>> backends.implements("network.forward_edges", "toy", "mypackage.edges:forward_edges")
    >>> backends.implementations("network.forward_edges")["toy"]
    'mypackage.edges:forward_edges'
    >>> backends.unregister_backend("toy")
    """
    if not isinstance(analysis, str) or analysis.count(".") < 1:
        raise ParameterError(f"analysis {analysis!r}: expected a name such as "
                             "'network.forward_edges'")
    if target is None:
        def register(func):
            implements(analysis, backend, func)
            return func
        return register
    if isinstance(target, str):
        if target.count(":") != 1 or not all(target.split(":")):
            raise ParameterError(f"target {target!r}: expected 'package.module:function'")
    elif not callable(target):
        raise ParameterError(f"target {target!r}: expected 'package.module:function' or a "
                             "callable")
    _TARGETS.setdefault(analysis, {})[backend] = target
    _LOADED.pop((analysis, backend), None)
    return None


def implementations(analysis: str) -> dict[str, str]:
    """The backends implementing ``analysis``, each with its target, without importing them.

    Returns
    -------
    dict
        ``{backend name: "module:function"}``, in the order the backends are asked.

    Examples
    --------
    >>> from workbench import backends
    >>> backends.implements("demo.volume", "toy", "mypackage.volume:message_volume")
    >>> backends.implementations("demo.volume")
    {'toy': 'mypackage.volume:message_volume'}
    >>> backends.unregister_backend("toy")
    """
    targets = _TARGETS.get(analysis, {})
    ranked = [b.name for b in _ORDER if b.name in targets]
    ranked += [name for name in targets if name not in ranked]  # backends not registered yet
    return {name: _describe(targets[name]) for name in ranked}


def _describe(target: str | Callable) -> str:
    if isinstance(target, str):
        return target
    return f"{target.__module__}:{target.__qualname__}"


def implementation(analysis: str, backend: str) -> Callable:
    """The callable ``backend`` registered for ``analysis``, imported now if it was given as
    ``"module:function"``.

    Raises
    ------
    ParameterError
        If ``backend`` has no implementation of ``analysis``.
    """
    key = (analysis, backend)
    if key in _LOADED:
        return _LOADED[key]
    target = _TARGETS.get(analysis, {}).get(backend)
    if target is None:
        raise ParameterError(f"{analysis} has no implementation registered for backend "
                             f"{backend!r}")
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        func = importlib.import_module(module)
        for part in attr.split("."):
            func = getattr(func, part)
    else:
        func = target
    _LOADED[key] = func
    return func


def backends() -> list[Backend]:
    """The registered backends, in the order they are asked (highest priority first)."""
    return list(_ORDER)


def analyses() -> list[str]:
    """Names of the dispatchable analyses defined so far (their modules imported), sorted."""
    return sorted(_ANALYSES)


def backend_for(analysis: str, data) -> str | None:
    """The backend that would run ``analysis`` on ``data``: its name, or None when the
    analysis' own (pandas) body would.

    Raises
    ------
    ParameterError
        If backends claim ``data`` but none implements ``analysis``.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import backends
    >>> backends.backend_for("network.forward_edges", pd.DataFrame()) is None
    True
    """
    claimed = []
    for backend in _ORDER:
        if backend.claims(data):
            if backend.name in _TARGETS.get(analysis, ()):
                return backend.name
            claimed.append(backend)
    if claimed:
        labels = " or ".join(b.label for b in claimed)
        hint = next((b.hint for b in claimed if b.hint), "")
        raise ParameterError(
            f"{analysis} has no {labels} implementation for a {type(data).__name__}"
            + (f"; {hint}" if hint else ""))
    return None


def dispatchable(name: str):
    """Make an analysis dispatchable under ``name`` (``"<package>.<function>"``).

    The decorated function keeps its name, docstring and signature; called on data that a
    registered backend claims, it runs that backend's implementation instead of its body
    (see the module notes).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench import backends
    >>> @backends.dispatchable("demo.row_count")
    ... def row_count(messages, *, at_least=0):
    ...     '''Rows of ``messages``.'''
    ...     return max(len(messages), at_least)
    >>> class Remote:
    ...     n = 7
    >>> _ = backends.register_backend("remote", claims=lambda d: isinstance(d, Remote))
    >>> backends.implements("demo.row_count", "remote", lambda d, *, at_least: d.n)
    >>> row_count(pd.DataFrame({"a": [1, 2]})), row_count(Remote())
    (2, 7)
    >>> backends.unregister_backend("remote")
    """
    if not isinstance(name, str) or name.count(".") < 1:
        raise ParameterError(f"dispatchable({name!r}): expected a name such as "
                             "'network.forward_edges'")

    def decorate(func: Callable) -> Callable:
        signature = inspect.signature(func)
        first = next(iter(signature.parameters), None)

        @functools.wraps(func)
        def analysis(*args, **kwargs):
            data = args[0] if args else kwargs.get(first)
            backend = backend_for(name, data) if _ORDER else None
            if backend is None:
                return func(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return implementation(name, backend)(*bound.args, **bound.kwargs)

        analysis.analysis = name
        _ANALYSES[name] = analysis
        return analysis

    return decorate
