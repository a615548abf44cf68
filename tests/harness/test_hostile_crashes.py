"""Hostile and broken submissions that end, crash or exhaust their student process, or never import
(tests/harness/hostile/<case>/, laid over the reference solutions; see tests/harness/hostile/kit.py).

Each case is graded with the real CLI on kata1 (the target) and kata2 in one run: the run finishes and
writes a valid report, kata2 keeps every point, kata1 loses exactly the checks the breakage reaches, each
with a message and a hint, and no grading file is flagged.
"""

from __future__ import annotations

from pathlib import Path

from hostile.kit import (
    OTHER,
    TARGET,
    TARGET_FILE,
    TIERS_COUPONS,
    assert_graded,
    blocked_after_imports,
    grade,
    grade_case,
    student_tree,
)


def test_sys_exit_at_import_fails_the_import_check_and_blocks_the_rest(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "sys_exit_at_import")
    assert_graded(run, lost=blocked_after_imports("called sys.exit(3) while being imported"))


def test_os_exit_at_import_fails_the_import_check_and_blocks_the_rest(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "os_exit_at_import")
    assert_graded(run, lost=blocked_after_imports("ended its process while being imported (it exited with status 4)"))


def test_sys_exit_in_price_order_fails_only_the_check_that_reaches_it(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "sys_exit_in_function")
    assert_graded(run, lost={TIERS_COUPONS: ("failed", "Your code called sys.exit(5).")})


def test_os_exit_in_price_order_fails_only_the_check_that_reaches_it(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "os_exit_in_function")
    assert_graded(run, lost={TIERS_COUPONS: ("failed", "Your code ended its process: it exited with status 6.")})


def test_sigkill_of_its_own_process_fails_only_the_check_that_reaches_it(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "sigkill_in_function")
    assert_graded(run, lost={TIERS_COUPONS: ("failed", "it was ended by SIGKILL")})


def test_a_c_stack_overflow_under_a_raised_recursion_limit_fails_only_the_check_that_reaches_it(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "deep_recursion")
    assert_graded(run, lost={TIERS_COUPONS: ("failed", "it was ended by SIGSEGV")})


def test_a_4_gib_allocation_is_a_memory_error_in_the_check_that_makes_it(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "allocate_4gib")
    assert_graded(run, lost={TIERS_COUPONS: ("failed", "raised MemoryError")})


def test_a_syntax_error_fails_the_import_check_with_its_line(tmp_path: Path) -> None:
    root = student_tree(tmp_path, "syntax_error")
    source = (root / TARGET_FILE).read_text(encoding="utf-8").splitlines()
    line = next(number for number, text in enumerate(source, start=1) if text.startswith("def price_order(order)"))
    run = grade(root, TARGET, OTHER, report_dir=tmp_path / "reports")
    assert_graded(run, lost=blocked_after_imports(f"has a syntax error on line {line}"))


def test_an_import_error_fails_the_import_check_naming_the_missing_module(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "import_error")
    assert_graded(
        run, lost=blocked_after_imports("ModuleNotFoundError: No module named 'pricing_rules_that_were_never_written'")
    )
