"""Patch a moto module when it is first imported instead of importing it to patch it.

moto's CloudFormation package imports every model a stack can hold (~380 modules, 0.8 s of CPU measured)
and its X-Ray package 0.3 s more: an exercise that makes no stack and sends no trace never needs them, and
moto's server imports a service's package only on its first request to that service. A patch registered
here runs right after the module's own code, inside its import, so no request can reach it unpatched.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
import types
from collections.abc import Callable, Sequence
from typing import Any

Patch = Callable[[], None]

_pending: dict[str, list[Patch]] = {}
_lock = threading.Lock()


def when_imported(name: str, patch: Patch) -> None:
    """Run ``patch`` once ``name`` is imported: now if it already is, else at the end of its import."""
    with _lock:
        if name not in sys.modules:
            _pending.setdefault(name, []).append(patch)
            if not any(isinstance(finder, _PatchingFinder) for finder in sys.meta_path):
                sys.meta_path.insert(0, _PatchingFinder())
            return
    patch()


class _PatchingFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: asks the finders after it, then has the module's loader run the patches."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in _pending:
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
    """The module's own loader, with the registered patches run after its code."""

    def __init__(self, loader: Any, name: str) -> None:
        self._loader, self._name = loader, name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
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
