"""Patch a moto module when it is first imported instead of importing it to patch it.

moto's CloudFormation package imports every model a stack can hold (~380 modules, 0.8 s of CPU measured)
and its X-Ray package 0.3 s more: an exercise that makes no stack and sends no trace never needs them, and
moto's server imports a service's package only on its first request to that service. A patch registered
here runs right after the module's own code, inside its import, so no request can reach it unpatched.
A module's own code can also run inside a context of ours (``while_importing``): what it calls at import
time can then be made cheaper without changing what it computes.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
import threading
import types
from collections.abc import Callable, Sequence
from typing import Any, ContextManager

Patch = Callable[[], None]
Surrounding = Callable[[types.ModuleType], ContextManager[object]]  # given the module, before its code runs

_pending: dict[str, list[Patch]] = {}
_surrounding: dict[str, list[Surrounding]] = {}
_lock = threading.Lock()


def when_imported(name: str, patch: Patch) -> None:
    """Run ``patch`` once ``name`` is imported: now if it already is, else at the end of its import."""
    with _lock:
        if name not in sys.modules:
            _pending.setdefault(name, []).append(patch)
            _install_finder()
            return
    patch()


def while_importing(name: str, surrounding: Surrounding) -> None:
    """Run ``name``'s own code inside ``surrounding(module)`` when it is first imported; nothing if it already is
    (what it would have changed has happened)."""
    with _lock:
        if name not in sys.modules:
            _surrounding.setdefault(name, []).append(surrounding)
            _install_finder()


def _install_finder() -> None:
    if not any(isinstance(finder, _PatchingFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchingFinder())


class _PatchingFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: asks the finders after it, then has the module's loader run the patches."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in _pending and name not in _surrounding:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader, name)
                return spec
        return None


class _PatchingLoader(importlib.abc.Loader):
    """The module's own loader, its code run inside the registered surroundings and the patches after it."""

    def __init__(self, loader: Any, name: str) -> None:
        self._loader, self._name = loader, name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        with _lock:
            surroundings = _surrounding.pop(self._name, [])
        with contextlib.ExitStack() as stack:
            for surrounding in surroundings:
                stack.enter_context(surrounding(module))
            self._loader.exec_module(module)
        module.__loader__ = self._loader  # importlib.resources and pkgutil find the real loader again
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        with _lock:
            patches = _pending.pop(self._name, [])
        for patch in patches:
            patch()

    def __getattr__(self, attribute: str) -> Any:  # get_data, get_resource_reader, is_package, ...
        return getattr(self._loader, attribute)
