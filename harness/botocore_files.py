"""botocore's own data files, parsed once per grading process.

botocore caches what it parses per Loader, and a grading run has several: boto3's default session, the
call log's session, moto's (it makes a new Loader for each service model it routes by). Each parsed
endpoints.json (~30-40 ms here) and the models of the services it used again: 16-36 parses a run, 0.04-0.13
s of them repeats (measured on Lab 2, Lab 6 and the heist). Here a file of botocore's data folder is parsed
once and shared, as one Loader already shares it between its own sessions' clients. Files elsewhere
(~/.aws/models, AWS_DATA_PATH) are read as botocore reads them.

Sharing is safe because botocore treats a loaded model as read-only but for one step, merging a service's
sdk-extras file into its model, which gives the same dict each time it runs.

The same for the list of services a Loader finds before it loads a model of a kind: each Loader walked
botocore's ~400 service folders for it (15-35 ms a kind; moto makes a Loader per service it routes, so a
cold heist walked them for ~0.4 s). Shared only where every folder searched is an installed package's
(botocore's, boto3's, moto's): a ~/.aws/models folder may change, so each Loader lists it, as botocore does.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from typing import Any

_parsed: dict[str, Any] = {}
_listed: dict[tuple[frozenset[str], str], list[str]] = {}
_lock = threading.Lock()  # the emulator's request threads load models too


def install() -> None:
    """From now on this process parses each of botocore's data files once, and lists the services of each
    kind once (idempotent)."""
    from botocore.loaders import JSONFileLoader, Loader

    _share_listings(Loader)
    original = JSONFileLoader.load_file
    if getattr(original, "shares_parsed_files", False):
        return
    data_folder = Loader.BUILTIN_DATA_PATH

    @functools.wraps(original)
    def load_file(self: JSONFileLoader, file_path: str) -> Any:
        if not file_path.startswith(data_folder):
            return original(self, file_path)
        with _lock:
            if file_path not in _parsed:
                _parsed[file_path] = original(self, file_path)
            return _parsed[file_path]

    load_file.shares_parsed_files = True  # type: ignore[attr-defined]
    JSONFileLoader.load_file = load_file  # type: ignore[method-assign]


def _share_listings(loader_class: Any) -> None:
    original = loader_class.list_available_services
    if getattr(original, "shares_listings", False):
        return
    installed = {os.path.realpath(loader_class.BUILTIN_DATA_PATH)}
    for package, folder in (("boto3", "data"), ("moto", "")):  # boto3's resource models, moto's extras
        spec = importlib.util.find_spec(package)  # without importing it
        if spec is not None and spec.origin:
            installed.add(os.path.realpath(os.path.join(os.path.dirname(spec.origin), folder)))

    @functools.wraps(original)
    def list_available_services(self: Any, type_name: str) -> list[str]:
        folders = frozenset(os.path.realpath(path) for path in self.search_paths if os.path.isdir(path))
        if not folders <= installed:
            return original(self, type_name)
        key = (folders, type_name)
        if key not in _listed:
            found = original(self, type_name)
            with _lock:
                _listed.setdefault(key, found)
        return list(_listed[key])  # botocore's own is a new list per Loader

    list_available_services.shares_listings = True  # type: ignore[attr-defined]
    loader_class.list_available_services = list_available_services


def parse_ahead(services: tuple[str, ...], *, for_moto: bool = True) -> None:
    """Parse what clients of these services load first (the warm template's forks then share it);
    ``for_moto=False``: only what boto3's clients and resources load (the Lambda runtime's zygote)."""
    import botocore.session

    install()
    session = botocore.session.Session()
    loader = session.get_component("data_loader")
    session.get_component("endpoint_resolver")
    for name in ("partitions", "sdk-default-configuration", "_retry"):
        loader.load_data(name)
    if for_moto:
        _load_ahead(loader, services, KINDS)  # as moto's Loaders search: botocore's folder alone
    try:
        import boto3.session
    except ImportError:
        return
    boto3.session.Session(botocore_session=session)  # which adds boto3's folder to the Loader, as for its clients
    _load_ahead(loader, services, (*KINDS, "resources-1") if for_moto else CLIENT_KINDS)


KINDS = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")
CLIENT_KINDS = ("service-2", "endpoint-rule-set-1", "resources-1")  # what making a client or a resource loads


def _load_ahead(loader: Any, services: tuple[str, ...], kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        try:
            loader.list_available_services(kind)
        except OSError:
            continue
        for service in services:
            try:
                loader.load_service_model(service, kind)
            except Exception:  # noqa: BLE001 - a service without paginators, waiters or resources: nothing to parse
                pass
