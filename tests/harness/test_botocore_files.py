"""harness/botocore_files.py: each of botocore's data files is parsed once per grading process."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import botocore.loaders
import pytest
from botocore.loaders import JSONFileLoader, Loader, create_loader

from harness import botocore_files


@pytest.fixture
def shared_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """install() for this test only: botocore's loader as it was, and nothing parsed yet."""
    monkeypatch.setattr(JSONFileLoader, "load_file", JSONFileLoader.load_file)
    monkeypatch.setattr(Loader, "list_available_services", _botocores_listing())
    monkeypatch.setattr(botocore_files, "_parsed", {})
    monkeypatch.setattr(botocore_files, "_listed", {})
    botocore_files.install()


def _botocores_listing() -> Any:
    listing = Loader.list_available_services
    return getattr(listing, "__wrapped__", listing) if getattr(listing, "shares_listings", False) else listing


def counting_listdir(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders botocore's loader lists from now on."""
    listed: list[str] = []
    real = os.listdir

    def listdir(path: Any = ".") -> list[str]:
        listed.append(str(path))
        return real(path)

    monkeypatch.setattr(botocore.loaders.os, "listdir", listdir)
    return listed


def test_two_loaders_share_one_parse_of_a_services_model(shared_files: None) -> None:
    first = create_loader().load_service_model("sqs", "service-2")
    second = create_loader().load_service_model("sqs", "service-2")
    assert second is first

    path = next(Path(Loader.BUILTIN_DATA_PATH, "sqs").glob("*/service-2.json*"))
    text = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    assert first == json.loads(text)  # what botocore itself would have parsed


def test_a_file_outside_botocores_data_folder_is_parsed_each_time(shared_files: None, tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"answer": 42}', encoding="utf-8")
    loader = JSONFileLoader()
    first, second = loader.load_file(str(tmp_path / "settings")), loader.load_file(str(tmp_path / "settings"))
    assert first == second == {"answer": 42} and first is not second


def test_installing_twice_wraps_botocores_loader_once(shared_files: None) -> None:
    installed = JSONFileLoader.load_file
    botocore_files.install()
    assert JSONFileLoader.load_file is installed


def test_without_it_each_loader_parses_for_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """What install() changes (so the first test cannot pass by botocore sharing anyway)."""
    monkeypatch.setattr(JSONFileLoader, "load_file", getattr(JSONFileLoader.load_file, "__wrapped__", JSONFileLoader.load_file))
    if getattr(JSONFileLoader.load_file, "shares_parsed_files", False):
        pytest.fail("botocore's own load_file could not be reached from the installed one")
    assert create_loader().load_service_model("sqs", "service-2") is not create_loader().load_service_model("sqs", "service-2")


def test_loaders_of_the_installed_folders_share_one_listing_of_the_services(shared_files: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto makes a Loader per service it routes: each walked botocore's ~400 service folders again."""
    expected = _botocores_listing()(create_loader(), "service-2")
    listed = counting_listdir(monkeypatch)
    first = create_loader().list_available_services("service-2")
    assert first == expected and "dynamodb" in first and listed
    listed.clear()
    second = create_loader().list_available_services("service-2")
    assert second == expected and not listed
    second.append("changed by its caller")
    assert create_loader().list_available_services("service-2") == expected


def test_a_loader_that_also_searches_a_folder_of_its_own_lists_it_itself(shared_files: None, tmp_path: Path) -> None:
    """A folder outside the installed packages (~/.aws/models, AWS_DATA_PATH) may change: each Loader lists it."""

    def add_model(name: str) -> None:
        model = tmp_path / name / "2020-01-01" / "service-2.json"
        model.parent.mkdir(parents=True)
        model.write_text("{}", encoding="utf-8")

    add_model("madeup")
    assert "madeup" in Loader(extra_search_paths=[str(tmp_path)]).list_available_services("service-2")
    assert "madeup" not in create_loader().list_available_services("service-2")
    add_model("addedlater")
    assert "addedlater" in Loader(extra_search_paths=[str(tmp_path)]).list_available_services("service-2")
