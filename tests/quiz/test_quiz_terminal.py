"""`course exam` in a real terminal: a pseudo-terminal (the standard library's pty, no pexpect) in which a
student answers two questions, flags one, quits, resumes, unflags it from the review screen and submits."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from ci_support import clean_environment
from support import REPO

from harness.quiz import Bank
from harness.quiz.attempts import AttemptStore
from harness.quiz.forms import exam_paper

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r")
WAIT = 30  # seconds for one expected text (the first screen loads the bank: ~1 s)


class Terminal:
    """A child process on a 100x40 pseudo-terminal: type lines, wait for text."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        env = clean_environment(TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", *args],
            stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env=env, start_new_session=True,
        )
        os.close(slave)
        self.raw = b""
        self.read_up_to = 0  # in the cleaned text: what earlier expects consumed

    @property
    def text(self) -> str:
        """What the terminal shows, colours left out and every run of white space one space (rich wraps)."""
        return " ".join(ESCAPES.sub("", self.raw.decode("utf-8", errors="replace")).split())

    def expect(self, wanted: str) -> str:
        """Wait until ``wanted`` appears after what was read so far; the text up to and including it."""
        deadline = time.monotonic() + WAIT
        wanted = " ".join(wanted.split())
        while True:
            text = self.text
            at = text.find(wanted, self.read_up_to)
            if at >= 0:
                seen, self.read_up_to = text[self.read_up_to : at + len(wanted)], at + len(wanted)
                return seen
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{wanted!r} did not appear; the terminal shows:\n{text[-3000:]}")
            if select.select([self.master], [], [], left)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{wanted!r} did not appear before the end; the terminal shows:\n{text[-3000:]}")
                self.raw += chunk

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def finish(self) -> int:
        """Read what is left (a child writing to a full terminal would wait for us), then its exit status."""
        deadline = time.monotonic() + WAIT
        try:
            while time.monotonic() < deadline:
                if select.select([self.master], [], [], deadline - time.monotonic())[0]:
                    try:
                        chunk = os.read(self.master, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    self.raw += chunk
            return self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        finally:
            os.close(self.master)


@pytest.fixture
def terminals():
    started: list[Terminal] = []

    def start(*args: str) -> Terminal:
        started.append(Terminal(*args))
        return started[-1]

    yield start
    for terminal in started:
        if terminal.process.poll() is None:
            terminal.process.kill()
            terminal.process.wait()


def test_an_exam_in_a_terminal_is_answered_quit_resumed_reviewed_and_submitted(
    terminals, tmp_path: Path, bank: Bank
) -> None:
    keys = [item.key_letters for item in exam_paper(bank, 1, seed=5).items]
    first = terminals("exam", "--seed", "5", "--report-dir", str(tmp_path))
    screen = first.expect("Answer> ")
    assert "Mock exam, form 1 (seed 5): 65 questions, 130 minutes." in screen
    assert re.search(r"Question 1 of 65 · 2:(10:00|09:5\d) left", screen)
    first.type(keys[0])
    first.expect("Question 2 of 65")
    first.expect("Answer> ")
    first.type("m")
    first.expect("Flagged for review.")
    first.type(keys[1].lower())  # letters in either case
    first.expect("Question 3 of 65")
    first.expect("Answer> ")
    first.type("q")
    first.expect("`course exam --resume` continues")
    assert first.finish() == 0

    second = terminals("exam", "--resume", "--report-dir", str(tmp_path))
    second.expect("resumed: 2 of 65 answered.")
    second.expect("Question 3 of 65")
    second.expect("Answer> ")
    second.type("r")
    review = second.expect("Review> ")
    assert "Review · 2 answered, 63 unanswered, 1 flagged" in review
    assert "Unanswered: 3, 4, 5" in review and "Flagged: 2" in review
    second.type("2")
    screen = second.expect("Answer> ")
    assert re.search(r"Question 2 of 65 · \d:\d\d:\d\d left · flagged", screen)
    assert f"Your answer: {keys[1]}." in screen
    second.type("m")
    second.expect("Flag removed.")
    second.type("")  # Enter: back to the review screen it came from
    assert "Review · 2 answered, 63 unanswered, 0 flagged" in second.expect("Review> ")
    second.type("s")
    second.expect("63 question(s) unanswered. Submit anyway? [y/N] ")
    second.type("y")
    second.expect("Mock exam, form 1 (seed 5): 128 / 1000, FAIL (720 passes)")  # 100 + 900 * 2 / 65
    second.expect("Missed questions (63)")
    assert second.finish() == 0
    store = AttemptStore(tmp_path)
    (attempt,) = store.attempts()
    assert attempt.right == 2 and store.open_exam() is None
