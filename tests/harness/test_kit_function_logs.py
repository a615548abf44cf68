"""harness/kit/function_logs.py: a function's log group read back invocation by invocation (Kata 5)."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from lambda_backend_kit import invoke

from harness.backends import EmbeddedMoto
from harness.kit.function_logs import deploy, invocations, package

SOURCE = '''import logging
print("importing")
def handler(event, context):
    print("line of", context.aws_request_id)
    logging.getLogger().warning("two\\nlines, one event")
    return {}
'''


def test_package_holds_every_module_but_the_graders_at_the_zip_root(tmp_path: Path) -> None:
    for name in ("handler.py", "helpers.py", "test_kata.py", "notes.txt"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    names = zipfile.ZipFile(BytesIO(package(tmp_path))).namelist()
    assert names == ["handler.py", "helpers.py"]
    assert package(tmp_path) == package(tmp_path)  # fixed dates: the same files are the same bytes


def test_invocations_are_split_at_start_and_end_with_the_init_lines_apart(aws: EmbeddedMoto, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    deploy("logged", "app.handler", package(tmp_path), {})
    invoke("logged", {})
    invoke("logged", {})
    first, second = invocations("logged")
    assert [first.cold, second.cold] == [True, False]
    assert [line.message for line in first.init_lines] == ["importing"] and second.init_lines == []
    assert first.lines[0].message == f"line of {first.request_id}"
    assert second.lines[0].message == f"line of {second.request_id}" and first.request_id != second.request_id
    assert "two\nlines, one event" in second.lines[1].message  # a record keeps its newlines in one event
    assert second.report.startswith(f"REPORT RequestId: {second.request_id}")


def test_a_function_that_never_ran_has_no_invocations(aws: EmbeddedMoto) -> None:
    assert invocations("never-deployed") == []
