"""harness/botocore_files.py: each of botocore's data files is parsed once per grading process."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from botocore.loaders import JSONFileLoader, Loader, create_loader

from harness import botocore_files


@pytest.fixture
def shared_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """install() for this test only: botocore's loader as it was, and nothing parsed yet."""
    monkeypatch.setattr(JSONFileLoader, "load_file", JSONFileLoader.load_file)
    monkeypatch.setattr(botocore_files, "_parsed", {})
    botocore_files.install()


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
