"""The grading process's garbage collector settings (harness/collector.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from support import REPO, run_graders

# Records the collector's settings where a check runs, after the backend has started.
PROBE = """
import gc, json, os

def pytest_runtest_call(item):
    with open(os.environ["GC_PROBE_OUT"], "w") as out:
        json.dump({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}, out)
"""


def test_a_grading_run_collects_the_young_generation_less_often_and_freezes_what_lived_before_the_backend(
    tmp_path: Path,
) -> None:
    from harness.collector import YOUNG_GENERATION_THRESHOLD

    (tmp_path / "gc_probe.py").write_text(PROBE)
    out = tmp_path / "seen.json"
    run = run_graders(
        "labs/lab1_inventory_status", "--solutions", "-k", "test_the_handler_module_imports", "-p", "gc_probe",
        report_dir=tmp_path / "reports", extra_env={"PYTHONPATH": str(tmp_path), "GC_PROBE_OUT": str(out)},
    )
    assert run.check("lab1", "test_the_handler_module_imports")["outcome"] == "passed", run.output[-3000:]
    seen = json.loads(out.read_text())
    assert seen["threshold"][0] == YOUNG_GENERATION_THRESHOLD
    # Frozen once the backend has started: moto and its server too (~99,000 objects measured), far more than
    # pytest alone (~26,000) or with the harness's plugin imported (~51,000), where a freeze too early would be.
    assert seen["frozen"] > 75_000, seen


def test_garbage_made_after_the_freeze_is_still_collected() -> None:
    code = """
        import gc, json, weakref
        from harness import collector

        collector.tune()
        kept = [[] for _ in range(1000)]
        collector.freeze_survivors()

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        print(json.dumps({"collected": gone() is None, "frozen": gc.get_freeze_count() >= 1000,
                          "ratios": gc.get_threshold()[1:]}))
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"collected": True, "frozen": True, "ratios": [10, 10]}
