"""The student-process layer: student code runs in a child process, talks to the grader in data only, and
nothing it does (exit, hang, crash, flood, fork, reach for the network) outlives its check or escapes it.

Covers harness/student/* and harness.loader.load_module. Student modules live in tests/harness/student_process_cases
(broken ones are written per test); the network cases run in a network namespace of their own.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import REPO, process_running

from harness import runtime
from harness.lambda_tools import FakeContext
from harness.limits import StudentTimeout, time_limit
from harness.loader import StudentCodeError, load_module, student_error_summary
from harness.student import protocol, reaper
from harness.student.pool import StudentPool
from harness.student.process import describe_end
from harness.student.proxy import RemoteObject, Session, StudentError, StudentExited, StudentModule
from harness import student_files
from harness.student_files import set_display_roots

pytestmark = pytest.mark.xdist_group("student_process")  # one pool of student processes per module

CASES = Path(__file__).resolve().parent / "student_process_cases"
WORKBENCH = CASES / "workbench.py"


class NoBackend:
    """runtime.activate wants a backend; nothing in these tests talks to AWS."""

    name = "none"


# ------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One pool for the module, started as the plugin starts it: loopback only, one warm spare."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_ALLOWED_HOSTS", "127.0.0.1")
        patch.setenv("WORKBENCH_LEFTOVER", "in the environment when the spare started")
        student_pool = StudentPool(tmp_path_factory.mktemp("student-cwd"))
        runtime.activate(NoBackend(), student_pool)  # type: ignore[arg-type]
        try:
            yield student_pool
        finally:
            student_pool.close()
            runtime.deactivate()


@pytest.fixture
def check_log(pool: StudentPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """One check: its own log, and every student process it started killed at its end."""
    monkeypatch.setattr(student_files, "_display_roots", [])
    set_display_roots(CASES, tmp_path)
    pool.start_check()
    log = runtime.start_check_log()
    yield log
    pool.end_check()


@pytest.fixture
def workbench(check_log: Any) -> StudentModule:
    return load_module(WORKBENCH)


def line_of(text: str, path: Path = WORKBENCH) -> int:
    """The line of ``path`` holding ``text`` (so the tests need no line numbers of their own)."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} is not in {path.name}")


def write_student_file(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def same(a: Any, b: Any) -> bool:
    """Equal, of the same type all the way down (1.50 and 1.5 are different Decimals here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, Decimal):
        return str(a) == str(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    return bool(a == b)


# ------------------------------------------------------------------------------------------- protocol

TAGGED_VALUES = {
    "decimal": Decimal("1.50"),
    "bytes": b"\x00\xff binary",
    "aware datetime": dt.datetime(2024, 5, 17, 9, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    "naive datetime": dt.datetime(2024, 5, 17, 9, 30),
    "date": dt.date(2024, 2, 29),
    "tuple": (1, "two", (3.5, None)),
    "set": {1, "two", (3, 4)},
    "dict with int keys": {1: "one", 2: "two"},
    "dict with tuple keys": {(1, 2): "pair"},
    "dict with $-prefixed keys": {"$ref": 7, "$decimal": "not a tag", "plain": 1},
    "dict with one $-prefixed key": {"$tuple": [1, 2]},
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "nested": {"items": [{"price": Decimal("9.99"), "tags": {"a"}, "when": dt.date(2024, 1, 1)}], "empty": {}},
}


def no_reference(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} has no tag")


def no_tag(tag: str, data: dict[str, Any]) -> Any:
    raise protocol.ProtocolError(f"unknown tag {tag}")


def over_the_wire(value: Any) -> Any:
    line = protocol.dumps({"value": protocol.encode(value, no_reference)})
    return protocol.decode(protocol.loads(line)["value"], no_tag)


@pytest.mark.parametrize("value", TAGGED_VALUES.values(), ids=TAGGED_VALUES.keys())
def test_every_tagged_type_survives_the_wire_unchanged(value: Any) -> None:
    assert same(over_the_wire(value), value)


def test_nan_and_infinities_travel_as_tagged_strings_because_json_has_no_such_numbers() -> None:
    assert protocol.encode(math.nan, no_reference) == {"$float": "nan"}
    assert protocol.encode(-math.inf, no_reference) == {"$float": "-inf"}
    assert b"NaN" not in protocol.dumps({"value": protocol.encode([math.nan, math.inf], no_reference)})


def test_a_bytearray_arrives_as_bytes_and_a_frozenset_as_a_set() -> None:
    assert same(over_the_wire(bytearray(b"abc")), b"abc")
    assert same(over_the_wire(frozenset({1, 2})), {1, 2})


def test_every_tagged_type_survives_a_round_trip_through_a_student_process(workbench: StudentModule) -> None:
    for name, value in TAGGED_VALUES.items():
        assert same(workbench.echo(value), value), name


def test_an_unknown_tag_from_a_student_process_raises_protocol_error() -> None:
    session = Session(process=None, on_output=lambda out, records: None)  # type: ignore[arg-type]
    with pytest.raises(protocol.ProtocolError, match=r"unknown tag \$pickle"):
        session.value({"value": {"$pickle": "gASVAAAA"}})


def test_an_unknown_tag_or_reference_sent_to_a_student_process_is_refused_there(workbench: StudentModule) -> None:
    echo = workbench.echo
    session = workbench._session
    with pytest.raises(StudentError, match=r"unknown tag \$pickle") as unknown_tag:
        session.request({"op": "call", "target": {"$ref": echo._ref}, "args": [{"$pickle": "gASVAAAA"}]})
    assert unknown_tag.value.type_name == "ProtocolError"
    with pytest.raises(StudentError, match="unknown reference 9999"):
        session.request({"op": "call", "target": {"$ref": 9999}, "args": []})
    with pytest.raises(StudentError, match="unknown request 'exec'"):
        session.request({"op": "exec", "target": {"$ref": echo._ref}})
    assert workbench.echo("still answering") == "still answering"


def test_an_oversized_message_raises_protocol_error() -> None:
    with pytest.raises(protocol.ProtocolError, match="message of"):
        protocol.loads(b" " * (protocol.MAX_LINE_BYTES + 1))


def nested_list(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


MALFORMED = {
    "not JSON": lambda: protocol.loads(b"{not json"),
    "not a JSON object": lambda: protocol.loads(b"[1, 2]"),
    "not UTF-8": lambda: protocol.loads(b'{"a": "\xff"}'),
    "JSON nested beyond the parser's depth": lambda: protocol.loads(b"[" * 100_000 + b"]" * 100_000),
    "nested deeper than the protocol allows": lambda: protocol.decode(nested_list(100), no_tag),
    "a decimal that is no number": lambda: protocol.decode({"$decimal": "twelve"}, no_tag),
    "a float that is no number": lambda: protocol.decode({"$float": "many"}, no_tag),
    "a date that is no date": lambda: protocol.decode({"$date": "2024-13-45"}, no_tag),
    "a datetime that is a number": lambda: protocol.decode({"$datetime": 5}, no_tag),
    "bytes with broken padding": lambda: protocol.decode({"$bytes": "abc"}, no_tag),
    "bytes that are not base64 at all": lambda: protocol.decode({"$bytes": "?!*%"}, no_tag),
    "a tuple that is no list": lambda: protocol.decode({"$tuple": 5}, no_tag),
    "a dict pair of one": lambda: protocol.decode({"$dict": [[1]]}, no_tag),
    "an unhashable set member": lambda: protocol.decode({"$set": [[1]]}, no_tag),
}


@pytest.mark.parametrize("malformed", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_message_raises_protocol_error(malformed: Any) -> None:
    with pytest.raises(protocol.ProtocolError):
        malformed()


FORGED_ANSWERS = {
    "not JSON": "{not json",
    "not a JSON object": "[1, 2]",
    "JSON nested beyond the parser's depth": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("line", FORGED_ANSWERS.values(), ids=FORGED_ANSWERS.keys())
def test_a_forged_answer_ends_the_student_process_as_a_protocol_breach(workbench: StudentModule, line: str) -> None:
    with time_limit(10, "a forged answer"), pytest.raises(StudentExited, match="broke the harness's protocol"):
        workbench.forge_answer(line)
    assert not workbench._session.process.alive()


def test_an_answer_larger_than_the_protocol_allows_ends_the_student_process_promptly(
    workbench: StudentModule,
) -> None:
    with time_limit(5, "an oversized answer"), pytest.raises(StudentExited, match="more data than the harness"):
        workbench.answer_of(protocol.MAX_LINE_BYTES + 1)


def test_a_large_answer_within_the_limit_is_read_in_linear_time(workbench: StudentModule) -> None:
    """30 MiB fits in one message; reading it must not rescan and copy the whole buffer per pipe read."""
    with time_limit(5, "a 30 MiB answer"):
        assert len(workbench.answer_of(30 * 1024 * 1024)) == 30 * 1024 * 1024


# ------------------------------------------------------------------------------------- student objects


def test_a_function_returns_plain_data(workbench: StudentModule) -> None:
    priced = workbench.price({"amount": 10})
    assert same(priced, {"total": Decimal("9.00"), "currency": "EUR"})


def test_an_instance_comes_back_as_a_remote_object_whose_methods_work(workbench: StudentModule) -> None:
    counter = workbench.make_counter(5)
    assert isinstance(counter, RemoteObject)
    assert counter.is_instance_of("workbench.Counter") and counter.is_instance_of(workbench.Counter)
    assert not counter.is_class and counter.name == "Counter"
    assert counter.add(2) == 7 and counter.add() == 8
    assert counter.value == 8
    assert same(counter.snapshot(), {"value": Decimal(8), "raw": b"\x00\x01", "pair": (8, "x")})
    assert workbench.value_of(counter) == 8  # a remote object goes back as itself, not as a copy


def test_a_class_says_it_is_a_class_and_names_its_bases_and_superclasses(workbench: StudentModule) -> None:
    special = workbench.SpecialCounter
    assert special.is_class and special.is_callable and special.name == "SpecialCounter"
    assert special.bases == ["workbench.SpecialCounter", "workbench.Counter", "builtins.object"]
    assert special.is_subclass_of(workbench.Counter) and special.is_subclass_of("workbench.Counter")
    assert not special.is_subclass_of(Exception)
    assert workbench.Boom.is_subclass_of(Exception)
    assert special(3).add() == 4  # calling a remote class makes a remote instance


def test_describe_gives_the_signature_parameters_and_docstring(workbench: StudentModule) -> None:
    described = workbench.price.describe()
    assert described["signature"] == "(order, discount=Decimal('0.10'), *extras, currency='EUR', **options)"
    assert described["doc"] == "The order's price after the discount."
    assert [(p["name"], p["kind"], p["has_default"]) for p in described["parameters"]] == [
        ("order", "POSITIONAL_OR_KEYWORD", False),
        ("discount", "POSITIONAL_OR_KEYWORD", True),
        ("extras", "VAR_POSITIONAL", False),
        ("currency", "KEYWORD_ONLY", True),
        ("options", "VAR_KEYWORD", False),
    ]
    assert described["parameters"][1]["default"] == "Decimal('0.10')"


def test_a_generator_comes_back_remote_and_materialises_as_a_list(workbench: StudentModule) -> None:
    squares = workbench.squares(4)
    assert isinstance(squares, RemoteObject)
    assert list(squares) == [0, 1, 4, 9]


def test_an_argument_is_a_copy_so_the_student_cannot_change_the_graders_value(workbench: StudentModule) -> None:
    items = ["mine"]
    assert workbench.mutate(items) == 2
    assert items == ["mine"]


def test_a_missing_attribute_raises_attribute_error_and_dunders_never_leave_the_grader(
    workbench: StudentModule,
) -> None:
    assert getattr(workbench, "no_such_function", None) is None
    with pytest.raises(AttributeError):
        workbench.__wrapped__  # noqa: B018
    with pytest.raises(AttributeError, match="read-only"):
        workbench.echo = print


def test_only_plain_data_can_be_sent_to_student_code(workbench: StudentModule) -> None:
    with pytest.raises(TypeError, match="cannot be sent to student code"):
        workbench.echo(object())


def test_a_fake_context_arrives_as_a_lambda_context(workbench: StudentModule) -> None:
    assert workbench.remaining(FakeContext(timeout_seconds=3)) == {"remaining": 3000, "name": "grader-function"}


def test_each_load_is_a_cold_start_in_a_process_of_its_own(check_log: Any) -> None:
    first, second = load_module(WORKBENCH), load_module(WORKBENCH)
    assert first._session.process.pid != second._session.process.pid
    assert first.count_load() == 1 and first.count_load() == 2 and second.count_load() == 1
    with pytest.raises(TypeError, match="cannot be passed to another"):
        second.value_of(first.make_counter(1))


# ---------------------------------------------------------------------------------------------- errors


def test_a_student_exception_arrives_as_student_error_naming_the_students_line(workbench: StudentModule) -> None:
    with pytest.raises(StudentError) as raised:
        workbench.fail_wrapped()
    error = raised.value
    assert (error.type_name, error.qualified) == ("Boom", "workbench.Boom")
    assert error.message == "could not process the order"
    assert error.is_a(Exception) and error.is_a(workbench.Boom) and not error.is_a(KeyError)
    line = line_of('raise Boom("could not process the order")')
    assert student_error_summary(error) == f"Boom: could not process the order (workbench.py, line {line})"


def test_a_student_exception_brings_its_cause_chain(workbench: StudentModule) -> None:
    with pytest.raises(StudentError) as raised:
        workbench.fail_wrapped()
    error = raised.value
    assert [link.type_name for link in error.chain()] == ["Boom", "KeyError"]
    assert error.__cause__ is error.cause and error.cause.message == "'order'"
    line = line_of('{}["order"]')
    assert student_error_summary(error.cause) == f"KeyError: 'order' (workbench.py, line {line})"


def test_an_exception_with_a_response_arrives_like_a_client_error(workbench: StudentModule) -> None:
    with pytest.raises(StudentError) as raised:
        workbench.fail_like_aws()
    error = raised.value
    assert error.response == {
        "Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    assert error.error_code == "ConditionalCheckFailedException"
    assert error.is_a("ClientError")


def test_a_botocore_client_error_arrives_with_its_error_code(workbench: StudentModule) -> None:
    with pytest.raises(StudentError) as raised:
        workbench.fail_with_botocore()
    assert raised.value.is_a(ClientError) and raised.value.error_code == "ThrottlingException"


# ----------------------------------------------------------------------------------------------- exits


def test_sys_exit_in_a_function_is_student_exited_with_the_code_and_the_process_answers_on(
    workbench: StudentModule,
) -> None:
    with pytest.raises(StudentExited, match=r"sys\.exit\(4\)") as raised:
        workbench.leave_with(4)
    assert raised.value.exit_code == "4"
    assert workbench.echo("still here") == "still here"


def test_os_exit_is_student_exited_naming_the_status_and_later_calls_raise_it_again(
    workbench: StudentModule,
) -> None:
    with pytest.raises(StudentExited, match="it exited with status 3") as raised:
        workbench.hard_exit(3)
    assert raised.value.exit_code is None
    with pytest.raises(StudentExited) as again:
        workbench.echo("anyone there?")
    assert again.value is raised.value


def test_a_sigkill_is_student_exited_naming_the_signal_and_later_calls_raise_it_again(
    workbench: StudentModule,
) -> None:
    with pytest.raises(StudentExited, match="it was ended by SIGKILL") as raised:
        workbench.kill_myself()
    with pytest.raises(StudentExited, match="SIGKILL"):
        workbench.make_counter(1)
    assert raised.value.exit_code is None


def test_the_end_of_a_process_is_described_by_its_status_or_signal() -> None:
    assert describe_end(None) == "it stopped answering"
    assert describe_end(3) == "it exited with status 3"
    assert describe_end(-signal.SIGSEGV) == "it was ended by SIGSEGV"
    assert describe_end(-200) == "it was ended by signal 200"


def test_a_module_of_an_ended_check_answers_with_student_exited(pool: StudentPool, workbench: StudentModule) -> None:
    pool.end_check()
    with time_limit(10, "a call after the check"), pytest.raises(StudentExited, match="SIGKILL"):
        workbench.echo("late")


# --------------------------------------------------------------------------------------- import failures


def test_a_syntax_error_is_a_student_code_error_naming_the_file_and_line(check_log: Any, tmp_path: Path) -> None:
    path = write_student_file(tmp_path, "broken_syntax.py", """\
        import json


        def handler(event, context)
            return json.dumps(event)
        """)
    with pytest.raises(StudentCodeError) as raised:
        load_module(path)
    message = str(raised.value)
    assert message.startswith("broken_syntax.py has a syntax error on line 4: expected ':'"), message
    assert "Run `python broken_syntax.py` to see it." in message
    assert raised.value.where.line == 4


def test_an_exception_at_import_is_a_student_code_error_naming_the_file_and_line(
    check_log: Any, tmp_path: Path
) -> None:
    path = write_student_file(tmp_path, "broken_import.py", """\
        SETTINGS = {}
        TABLE = SETTINGS["table"]
        """)
    with pytest.raises(StudentCodeError) as raised:
        load_module(path)
    assert str(raised.value) == "Importing broken_import.py raised KeyError: 'table' (broken_import.py, line 2)."
    assert raised.value.where.line == 2


def test_sys_exit_at_import_is_a_student_code_error(check_log: Any, tmp_path: Path) -> None:
    path = write_student_file(tmp_path, "exits_at_import.py", """\
        import sys
        sys.exit(2)
        """)
    with pytest.raises(StudentCodeError, match=r"^exits_at_import\.py called sys\.exit\(2\) while being imported"):
        load_module(path)


def test_os_exit_at_import_is_a_student_code_error_naming_the_status(check_log: Any, tmp_path: Path) -> None:
    path = write_student_file(tmp_path, "hard_exit_at_import.py", """\
        import os
        os._exit(5)
        """)
    with pytest.raises(StudentCodeError, match=r"ended its process while being imported \(it exited with status 5\)"):
        load_module(path)


def test_a_missing_file_is_a_student_code_error(check_log: Any, tmp_path: Path) -> None:
    with pytest.raises(StudentCodeError, match=r"^handler\.py is missing"):
        load_module(tmp_path / "handler.py")


# -------------------------------------------------------------------------------- time, memory, output


def test_an_infinite_loop_in_c_code_is_stopped_by_the_time_limit_and_killed_at_the_end_of_the_check(
    pool: StudentPool, workbench: StudentModule
) -> None:
    started = time.monotonic()
    with pytest.raises(StudentTimeout), time_limit(1, "This check"):
        workbench.spin_in_c()
    assert time.monotonic() - started < 3
    pool.end_check()
    assert not workbench._session.process.alive()


def test_a_call_stopped_by_the_time_limit_never_answers_a_later_call(workbench: StudentModule) -> None:
    with pytest.raises(StudentTimeout), time_limit(0.5, "This check"):
        workbench.slow_echo("first answer", 1.5)
    try:
        with time_limit(10, "the next call"):
            later = workbench.echo("second answer")
    except StudentExited:  # refusing further calls is fine too
        return
    assert later == "second answer"


def test_a_grader_thread_can_kill_a_running_call(pool: StudentPool, workbench: StudentModule) -> None:
    threading.Timer(0.5, pool.kill_check_processes).start()
    with time_limit(10, "a killed call"), pytest.raises(StudentExited, match="SIGKILL"):
        workbench.spin_in_c()


def test_deep_python_recursion_ends_as_an_error_well_within_the_check_time(workbench: StudentModule) -> None:
    """A million frames take the student process about 6 s; describing the error must not take longer than that."""
    with pytest.raises(StudentError) as raised, time_limit(15, "deep recursion"):
        workbench.recurse_in_python()
    assert raised.value.type_name == "RecursionError" or isinstance(raised.value, StudentExited)


def test_deep_recursion_through_c_code_ends_the_student_process_not_the_grader(workbench: StudentModule) -> None:
    with pytest.raises(StudentError), time_limit(15, "deep recursion"):
        workbench.recurse_through_c()


def test_200_mb_printed_in_a_call_reach_the_check_log_as_head_and_tail(
    check_log: Any, workbench: StudentModule
) -> None:
    with time_limit(20, "printing 200 MB"):
        assert workbench.print_a_lot(200) == 200
    text = check_log.text()
    assert "FIRST LINE OF OUTPUT" in text and "LAST LINE OF OUTPUT" in text
    assert "characters of output cut" in text
    assert len(text) < 100_000


def test_a_4_gib_allocation_fails_as_memory_error_inside_the_student_process(workbench: StudentModule) -> None:
    with pytest.raises(StudentError) as raised:
        workbench.allocate(4)
    assert raised.value.type_name == "MemoryError"
    assert workbench.echo("still alive") == "still alive"


# ------------------------------------------------------------------------------------ what outlives a check


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper is a Linux feature")
def test_the_grading_process_becomes_a_child_subreaper_on_linux() -> None:
    assert reaper.become_subreaper() is True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finding a check's processes needs /proc")
@pytest.mark.parametrize(
    "starter", ["start_sleeper", "start_daemon"], ids=["new-session grandchild", "double-forked daemon"]
)
def test_a_process_the_student_starts_is_dead_after_the_check(
    pool: StudentPool, workbench: StudentModule, starter: str
) -> None:
    pid = getattr(workbench, starter)()
    assert process_running(pid)
    pool.end_check()
    deadline = time.monotonic() + 3
    while process_running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_running(pid)


def test_every_student_process_of_a_check_has_ended_when_the_check_ends(pool: StudentPool, check_log: Any) -> None:
    """A check may load several modules (the heist runs six exploits): all are killed at once, then waited for."""
    processes = [load_module(WORKBENCH)._session.process for _ in range(3)]
    assert len({process.pid for process in processes}) == 3 and all(process.alive() for process in processes)
    pool.end_check()
    assert not any(process.alive() for process in processes)
    assert not any(process_running(process.pid) for process in processes)


def test_processes_from_before_the_check_and_the_zygote_or_warm_spare_survive_it(pool: StudentPool, check_log: Any) -> None:
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        pool.start_check()
        student = load_module(WORKBENCH)._session.process
        # where there is fork, student processes come from the zygote; elsewhere a spare waits
        kept = [process.pid for process in pool._spares] + ([pool._zygote.pid] if pool._zygote else [])
        pool.end_check()
        assert not student.alive()
        assert bystander.poll() is None
        assert kept and all(process_running(pid) for pid in kept)
    finally:
        bystander.kill()
        bystander.wait()


ORPHANING_OWNER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from harness.student.process import Zygote
    zygote = Zygote({**os.environ, "COURSE_STUDENT_NO_AWS": "1"}, Path.cwd())
    child = zygote.fork()
    print(zygote.pid, child.pid, flush=True)
    time.sleep(120)
    """
)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the processes in /proc")
def test_a_zygote_whose_owner_was_killed_outright_ends_with_its_children() -> None:
    """SIGKILL leaves an owner no time to kill its zygote (a grading process, a warm template's standby): the
    zygote sees its parent change and ends, with what it forked, instead of waiting for a request forever."""
    from harness.student.fork_server import OWNER_CHECK_SECONDS

    owner = subprocess.Popen([sys.executable, "-c", ORPHANING_OWNER], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        zygote, child = (int(pid) for pid in owner.stdout.readline().split())  # type: ignore[union-attr]
        assert process_running(zygote) and process_running(child)
        owner.kill()
        owner.wait()
        deadline = time.monotonic() + OWNER_CHECK_SECONDS + 10
        while (process_running(zygote) or process_running(child)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not process_running(zygote) and not process_running(child)
    finally:
        owner.kill()


def test_a_student_process_that_kills_the_zygote_costs_only_speed(pool: StudentPool, check_log: Any) -> None:
    """Its parent is the zygote: killing it must not stop the next loads (they are spawned instead)."""
    pool.start_check()
    module = load_module(WORKBENCH)
    module.kill_parent()
    pool.end_check()
    pool.start_check()
    again = load_module(WORKBENCH)
    assert again.price({"amount": 10})["currency"] == "EUR"
    pool.end_check()


def test_a_warmed_up_pool_starts_its_zygote_without_waiting_and_forks_from_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """warm_up() (the plugin's, at an exercise's first check) starts the zygote and returns; the first
    load then forks from that zygote instead of starting one and waiting for it."""
    monkeypatch.setenv("COURSE_ALLOWED_HOSTS", "127.0.0.1")
    fresh = StudentPool(tmp_path)
    try:
        fresh.warm_up()
        zygote = fresh._zygote
        assert zygote is not None and not zygote._ready  # started, not waited for
        fresh.warm_up()
        assert fresh._zygote is zygote
        process = fresh.take()
        assert fresh._zygote is zygote and zygote._ready
        process.kill()
    finally:
        fresh.close()


def test_closing_a_pool_that_never_started_a_check_leaves_other_processes_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool's end of check kills what appeared below this process since its start_check; one that never
    started a check must not take every process already there for its own (another pool's zygote: in CI a
    load right after such a test was SIGKILLed while importing)."""
    monkeypatch.setenv("COURSE_ALLOWED_HOSTS", "127.0.0.1")
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
    first = StudentPool(tmp_path / "first")
    try:
        first.start_check()
        first.take().kill()  # its zygote is started and answering now
        zygote = first._zygote
        assert zygote is not None and process_running(zygote.pid)
        StudentPool(tmp_path / "second").close()
        assert process_running(zygote.pid), "closing an unused pool killed another pool's zygote"
        first.take().kill()
        assert first._zygote is zygote, "the first pool lost its zygote"
    finally:
        first.close()


# ------------------------------------------------------------------------------- environment, logs, clients


def test_a_loaded_module_sees_the_environment_given_at_load(check_log: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_GREETING", "hello from the grader")
    monkeypatch.delenv("WORKBENCH_LEFTOVER")
    module = load_module(WORKBENCH)
    assert module.greeting() == {"at_import": "hello from the grader", "now": "hello from the grader", "leftover": None}


def test_prints_and_log_records_at_import_and_in_a_call_reach_the_check_log(check_log: Any) -> None:
    module = load_module(WORKBENCH)
    assert "workbench imported" in check_log.lines()
    ready = line_of('logger.info("workbench ready")')
    assert f"INFO     workbench:workbench.py:{ready} workbench ready" in check_log.text()
    assert module.chatty(7) is True
    assert "processing 7" in check_log.lines() and "order 7 had a problem" in check_log.lines()
    assert check_log.objects() == [{"event": "processed", "order_id": 7}]
    assert check_log.has_error()
    assert f"ERROR    workbench:workbench.py:{line_of('had a problem')} order 7 had a problem" in check_log.text()


def test_each_botocore_client_in_a_student_process_sends_a_tag_of_its_own(workbench: StudentModule) -> None:
    sent = workbench.client_tags()
    tags = [tag.decode() if isinstance(tag, bytes) else tag for tag in sent["tags"]]
    assert tags == [f"{sent['pid']}-1", f"{sent['pid']}-2"]


# -------------------------------------------------------------------------------------------- the network

ISOLATED_SCRIPT = r"""
import json, os, socket, subprocess, sys
from pathlib import Path

loopback = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True).returncode == 0
os.environ["COURSE_ALLOWED_HOSTS"] = "127.0.0.1"
from harness import runtime
from harness.loader import load_module
from harness.student.pool import StudentPool
from harness.student.proxy import StudentError

cases, workdir = Path(sys.argv[1]), Path(sys.argv[2])
pool = StudentPool(workdir)
runtime.activate(object(), pool)
pool.start_check()
results = {"loopback": loopback}
try:
    network = load_module(cases / "network.py")
    calls = {
        "interfaces": ("interfaces", ()),
        "tcp": ("tcp_connect", ("203.0.113.1", 80)),
        "udp": ("udp_send", ("203.0.113.1", 53)),
        "getaddrinfo": ("resolve", ("example.com",)),
        "libc connect": ("libc_connect", ()),
        "libc __connect": ("libc_connect_alias", ()),
        "connect by address": ("libc_connect_by_address", ()),
    }
    if loopback:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        calls["loopback listener"] = ("tcp_connect", ("127.0.0.1", listener.getsockname()[1]))
    for case, (function, args) in calls.items():
        try:
            results[case] = {"value": getattr(network, function)(*args)}
        except StudentError as error:
            results[case] = {"error": error.type_name, "message": error.message}
finally:
    pool.close()
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def isolated_network(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The network cases, run once in a user and network namespace of their own: nothing can leave it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not installed: the network cases run only in a network namespace of their own")
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -rn does not work here ({probe.stderr.strip()}): no network namespace for the cases")
    workdir = tmp_path_factory.mktemp("isolated")
    run = subprocess.run(
        [unshare, "-rn", sys.executable, "-c", ISOLATED_SCRIPT, str(CASES), str(workdir)],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    assert results["interfaces"] == {"value": ["lo"]}, "the namespace must have loopback only"
    return results


def blocked(result: dict[str, Any]) -> bool:
    return result.get("error") == "OutboundConnectionBlocked"


def test_the_network_guard_refuses_a_raw_tcp_connect(isolated_network: dict[str, Any]) -> None:
    assert blocked(isolated_network["tcp"]), isolated_network["tcp"]
    assert "203.0.113.1:80" in isolated_network["tcp"]["message"]


def test_the_network_guard_refuses_a_udp_datagram(isolated_network: dict[str, Any]) -> None:
    assert blocked(isolated_network["udp"]), isolated_network["udp"]


def test_the_network_guard_refuses_a_name_lookup(isolated_network: dict[str, Any]) -> None:
    assert blocked(isolated_network["getaddrinfo"]), isolated_network["getaddrinfo"]
    assert "example.com" in isolated_network["getaddrinfo"]["message"]


def test_the_network_guard_refuses_a_ctypes_lookup_of_libc_connect(isolated_network: dict[str, Any]) -> None:
    assert blocked(isolated_network["libc connect"]), isolated_network["libc connect"]


def test_the_network_guard_refuses_libc_connect_under_its_alias_name(isolated_network: dict[str, Any]) -> None:
    assert blocked(isolated_network["libc __connect"]), isolated_network["libc __connect"]


def test_the_network_guard_refuses_libc_connect_looked_up_by_handle(isolated_network: dict[str, Any]) -> None:
    assert blocked(isolated_network["connect by address"]), isolated_network["connect by address"]


def test_the_network_guard_lets_a_connection_to_a_loopback_listener_through(isolated_network: dict[str, Any]) -> None:
    if not isolated_network["loopback"]:
        pytest.skip("`ip link set lo up` failed in the namespace: no loopback to connect to")
    assert isolated_network["loopback listener"] == {"value": "connected"}


def test_a_call_past_its_time_limit_is_stopped_and_says_so() -> None:
    module = load_module(WORKBENCH)
    with module.time_limit(5):
        assert module.echo(5) == 5  # within the limit: answered, the process lives on
    started = time.monotonic()
    with pytest.raises(StudentExited, match=r"stopped after 0\.5 s \(its time limit\)"), module.time_limit(0.5):
        module.slow_echo(1, 30)
    assert time.monotonic() - started < 10
    with pytest.raises(StudentExited):  # the process is gone: later calls say so at once
        module.echo(1)
