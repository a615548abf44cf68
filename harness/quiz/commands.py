"""`course quiz` and `course exam`: their options (added to the `course` parser by harness/cli.py) and the
glue from parsed arguments to the engine. Heavy modules (PyYAML, rich) load only when a command runs."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .forms import FORMS, QUIZ_SIZE
from .model import WEEKS

if TYPE_CHECKING:
    from .answers import AnswerSheet
    from .forms import Paper
    from .model import Bank
    from .session import Clock, Sitting
    from .ui import Terminal

NAMES = ("quiz", "exam")
EXIT_USAGE = 2

QUIZ_EPILOG = (
    f"`course quiz WEEK` asks {QUIZ_SIZE} questions of that week with feedback after each; `--weak` drills the task "
    "statements you missed most; `--export json` prints the whole bank. Attempts are kept in reports/quiz-attempts.json "
    "(`course status` sums them up); `--share` writes a summary to quizzes/results.json for you to commit, so your "
    "instructor sees it (self-reported, never part of your grade). --answers FILE answers without a terminal (one `<question id> <letters>` per "
    "line, or JSON; `-` reads standard input); --key prints the answers that score every question right."
)
EXAM_EPILOG = (
    "A 65-question DVA-C02 mock exam (domains 21/17/15/12), 130 minutes, scaled score 100-1000, 720 passes. "
    "The exam is saved after every answer: q (or Ctrl-C) leaves it and `course exam --resume` continues it. "
    "--answers FILE scores a whole attempt at once (see `course quiz --help`)."
)
OPEN_EXAM = (
    "an unfinished exam is saved (form {form}, seed {seed}, {answered} of {count} answered): "
    "`course exam --resume` continues it, `course exam --discard` drops it."
)
NO_OPEN_EXAM = "there is no unfinished exam to resume; `course exam` starts one."
NO_SEED = (
    "the letters in {name} depend on the seed the questions were shown with: give --seed N, or a `seed N` line "
    "in the file"
)
SHARED = (
    "Wrote {path}: {summary}, from {count} attempt(s) answered in the terminal{left_out}. Your instructor sees it "
    "once you commit and push it:\n  git add {path} && git commit -m \"Share my exam practice\" && git push\n"
    "It is self-reported practice, never part of your grade. Run `course quiz --share` again to update it."
)
NOTHING_TO_SHARE = (
    "Nothing to share: no quiz or mock exam answered in the terminal in {path} yet{left_out}. Take one "
    "(`course quiz 0`), then `course quiz --share`."
)
NO_MISSES = (
    "No missed questions in your stored attempts yet ({path}): take a week's quiz (`course quiz 0`) or a mock exam "
    "(`course exam`) first."
)


def _whole(low: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < low:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return int(text)

    return parse


def _week(text: str) -> int:
    if not text.isdigit() or int(text) not in WEEKS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a course week ({WEEKS[0]}-{WEEKS[-1]})")
    return int(text)


def add(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`course quiz` and `course exam`, added to `course`'s parser."""
    seed_help = "the seed that draws the questions and orders them and their options (default: a new one, printed)"
    answers_help = "answer from FILE instead of the terminal (`-`: standard input); quizzes/README.md has the format"
    report_help = "where quiz-attempts.json is kept (default: reports/, as grade reports)"

    quiz = commands.add_parser(
        "quiz", parents=[common], help="exam practice: a week's quiz, a drill of your weak spots, or the bank as JSON",
        epilog=QUIZ_EPILOG,
    )
    quiz.add_argument("week", nargs="?", type=_week, metavar="WEEK", help="the course week, 0-5")
    quiz.add_argument("--weak", action="store_true", help="a short drill on the task statements you missed most")
    quiz.add_argument("--export", choices=("json",), help="print the whole question bank in this format")
    quiz.add_argument(
        "--share", action="store_true",
        help="write a summary of your results to quizzes/results.json: commit and push it to show your instructor",
    )
    quiz.add_argument("--seed", type=_whole(0, "a whole number"), help=seed_help)
    quiz.add_argument("--answers", metavar="FILE", help=answers_help)
    quiz.add_argument("--key", action="store_true", help="print the quiz's key as an answers file, and ask nothing")
    quiz.add_argument("--report-dir", metavar="DIR", help=report_help)

    exam = commands.add_parser(
        "exam", parents=[common], help="exam practice: a timed 65-question DVA-C02 mock exam", epilog=EXAM_EPILOG
    )
    exam.add_argument("--form", type=int, choices=FORMS, default=None, help="which mock exam form (default 1)")
    exam.add_argument("--seed", type=_whole(0, "a whole number"), help=seed_help)
    exam.add_argument("--answers", metavar="FILE", help=answers_help)
    exam.add_argument("--key", action="store_true", help="print the form's key as an answers file, and ask nothing")
    exam.add_argument("--resume", action="store_true", help="continue the unfinished exam")
    exam.add_argument("--discard", action="store_true", help="drop the unfinished exam")
    exam.add_argument("--report-dir", metavar="DIR", help=report_help)


class UsageError(Exception):
    pass


def run(
    args: argparse.Namespace,
    *,
    course_root: Path,
    out: TextIO,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
    ask: Callable[[str], str] = input,
    clock: Clock = time.monotonic,
) -> int:
    err = err or sys.stderr
    from .answers import AnswersError
    from .attempts import AttemptsError
    from .bank import BankError
    from .forms import FormError

    context = _Context(args, course_root=course_root, out=out, stdin=stdin or sys.stdin, ask=ask, clock=clock)
    try:
        return context.quiz() if args.command == "quiz" else context.exam()
    except BankError as error:
        print(f"course {args.command}: the question bank has errors (`python -m harness.quiz.lint`):\n{error}", file=err)
    except (UsageError, AnswersError, AttemptsError, FormError, OSError) as error:
        print(f"course {args.command}: {error}", file=err)
    return EXIT_USAGE


class _Context:
    def __init__(
        self, args: argparse.Namespace, *, course_root: Path, out: TextIO, stdin: TextIO, ask: Callable[[str], str],
        clock: Clock,
    ) -> None:
        from ..settings import resolve_report_dir
        from .attempts import AttemptStore

        self.args, self.root, self.out, self.stdin, self.ask, self.clock = args, course_root, out, stdin, ask, clock
        cli_dir = str(Path(args.report_dir).resolve()) if args.report_dir else None  # relative to where it was typed
        self.directory = resolve_report_dir(cli_dir, course_root)
        self.store = AttemptStore(self.directory)
        self._bank: Bank | None = None

    # -- shared

    @property
    def bank(self) -> Bank:
        if self._bank is None:
            from .bank import BANK_DIR, load_bank

            folder = self.root / BANK_DIR
            self._bank = load_bank(folder if folder.is_dir() else None)
        return self._bank

    def shown(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)

    def terminal(self) -> Terminal:
        from .ui import Terminal

        return Terminal(self.out, ask=self.ask)

    def sheet(self) -> AnswerSheet | None:
        from .answers import parse

        if not self.args.answers:
            return None
        if self.args.answers == "-":
            return parse(self.stdin.read(), name="standard input")
        path = Path(self.args.answers)
        return parse(path.read_text(encoding="utf-8"), name=str(path))

    def seed(self, sheet: AnswerSheet | None) -> int:
        if self.args.seed is not None:
            return int(self.args.seed)
        if sheet is not None and "seed" in sheet.headers:
            return sheet.headers["seed"]
        if sheet is not None:
            raise UsageError(NO_SEED.format(name=self.args.answers))
        return random.SystemRandom().randrange(1, 1_000_000)

    def sitting(self, paper: Paper, limit: float | None) -> Sitting:
        from .attempts import now
        from .session import Sitting

        return Sitting(paper=paper, started_at=now(), limit=limit, clock=self.clock)

    def titles(self) -> dict[str, str]:
        from .references import check_titles

        return check_titles(self.root)

    def record(self, sitting: Sitting, *, how: str, closes_open_exam: bool = False) -> None:
        from .attempts import finished

        self.store.add(finished(sitting, sitting.result(), how=how), closes_open_exam=closes_open_exam)

    # -- course quiz

    def quiz(self) -> int:
        args = self.args
        chosen = [
            name
            for name, given in (("WEEK", args.week is not None), ("--weak", args.weak), ("--export", args.export), ("--share", args.share))
            if given
        ]
        if len(chosen) != 1:
            raise UsageError(
                "give a week (`course quiz 1`), --weak, --export json or --share"
                + (f", not {' and '.join(chosen)}" if chosen else "")
            )
        if args.share:
            return self.share()
        if args.export:
            from .export import export_text

            self.out.write(export_text(self.bank, self.root))
            return 0
        sheet = self.sheet()
        seed = self.seed(sheet)
        paper = self.quiz_paper(seed)
        if paper is None:
            print(NO_MISSES.format(path=self.shown(self.store.path)), file=self.out)
            return 0
        command = f"course quiz {'--weak' if args.weak else args.week} --seed {seed}"
        if args.key:
            from .answers import key_text

            self.out.write(key_text(paper, command))
            return 0
        sitting = self.sitting(paper, None)
        terminal = self.terminal()
        titles = self.titles()
        terminal.say(f"{paper.title} (seed {seed}): {len(paper.items)} questions.", style="bold")
        if sheet is not None:
            from .answers import apply
            from .attempts import ANSWERS_FILE
            from .ui import show_feedback, show_question

            sitting.answers.update(apply(sheet, paper, name=self.args.answers))
            for position, item in enumerate(paper.items):
                show_question(terminal, paper, position, sitting)
                show_feedback(terminal, item, sitting.answers.get(position), titles)
            how = ANSWERS_FILE
        else:
            from .attempts import TERMINAL
            from .ui import run_quiz

            try:
                completed = run_quiz(terminal, sitting, titles)
            except KeyboardInterrupt:  # Ctrl-C while a screen was drawn; at a prompt it is a plain quit
                completed = False
            if not completed:
                terminal.say(f"Quiz left unfinished: nothing saved. `{command}` asks the same questions again.")
                return 0
            how = TERMINAL
        from .ui import show_quiz_result

        show_quiz_result(terminal, sitting.result())
        self.record(sitting, how=how)
        terminal.say(f"Saved in {self.shown(self.store.path)}; `{command}` asks the same questions again.", style="dim")
        return 0

    def share(self) -> int:
        from .share import in_terminal, share, summary

        attempts = self.store.attempts()
        left = len(attempts) - len(in_terminal(attempts))
        left_out = f" ({left} answered from a file are left out)" if left else ""
        path = share(self.root, attempts)
        if path is None:
            print(NOTHING_TO_SHARE.format(path=self.shown(self.store.path), left_out=left_out), file=self.out)
            return 0
        shared = summary(attempts, shared_at="")
        parts = [
            f"the quizzes of {len(shared['quizzes'])} week(s)", f"{len(shared['exams'])} mock exam form(s)",
            f"readiness in {len(shared['domains'])} exam domain(s)",
        ]
        print(
            SHARED.format(path=self.shown(path), summary=", ".join(parts), count=len(attempts) - left, left_out=left_out),
            file=self.out,
        )
        return 0

    def quiz_paper(self, seed: int) -> Paper | None:
        from .forms import paper_of, quiz_paper

        if not self.args.weak:
            return quiz_paper(self.bank, self.args.week, seed)
        from .drill import drill_questions

        questions = drill_questions(self.bank, self.store.attempts(), seed)
        return paper_of(questions, name="weak", seed=seed) if questions else None

    # -- course exam

    def exam(self) -> int:
        args = self.args
        if args.discard or args.resume:
            given = [f"--{name}" for name in ("form", "seed", "answers") if getattr(args, name) is not None] + (
                ["--key"] if args.key else []
            )
            if args.discard and args.resume:
                given.append("--resume")
            if given:
                raise UsageError(f"--{'discard' if args.discard else 'resume'} takes no {', '.join(given)}")
            return self.discard() if args.discard else self.resume()
        from .forms import exam_paper
        from .scoring import TIME_LIMIT

        sheet = self.sheet()
        seed = self.seed(sheet)
        form = args.form or (sheet.headers.get("form") if sheet is not None else None) or 1
        paper = exam_paper(self.bank, form, seed)
        if args.key:
            from .answers import key_text

            self.out.write(key_text(paper, f"course exam --form {form} --seed {seed}"))
            return 0
        if sheet is not None:
            from .answers import apply
            from .attempts import ANSWERS_FILE

            sitting = self.sitting(paper, TIME_LIMIT)
            sitting.answers.update(apply(sheet, paper, name=args.answers))
            return self.submit(sitting, how=ANSWERS_FILE, closes_open_exam=False)
        record = self.store.open_exam()
        if record is not None:
            answered = sum(1 for question in record.get("questions", []) if question.get("chosen"))
            count = len(record.get("questions", []))
            raise UsageError(OPEN_EXAM.format(form=record.get("form"), seed=record.get("seed"), answered=answered, count=count))
        sitting = self.sitting(paper, TIME_LIMIT)
        self.store.save_open(sitting)
        terminal = self.terminal()
        terminal.say(
            f"{paper.title} (seed {seed}): {len(paper.items)} questions, {TIME_LIMIT // 60} minutes. "
            "No feedback until you submit.",
            style="bold",
        )
        return self.sit(sitting, terminal)

    def resume(self) -> int:
        from .attempts import reopen

        record = self.store.open_exam()
        if record is None:
            raise UsageError(NO_OPEN_EXAM)
        sitting = reopen(record, self.bank, self.clock)
        terminal = self.terminal()
        terminal.say(
            f"{sitting.paper.title} (seed {sitting.paper.seed}), resumed: {len(sitting.answers)} of "
            f"{len(sitting.paper.items)} answered.",
            style="bold",
        )
        return self.sit(sitting, terminal)

    def discard(self) -> int:
        if self.store.open_exam() is None:
            print("There is no unfinished exam.", file=self.out)
        else:
            self.store.drop_open()
            print("Dropped the unfinished exam.", file=self.out)
        return 0

    def sit(self, sitting: Sitting, terminal: Terminal) -> int:
        from .attempts import TERMINAL
        from .session import clock_text
        from .ui import QUIT, SAVED, run_exam

        try:
            outcome = run_exam(terminal, sitting, self.store.save_open)
        except KeyboardInterrupt:  # Ctrl-C while a screen was drawn; at a prompt it is a plain quit
            outcome = QUIT
        if outcome == QUIT:
            self.store.save_open(sitting)
            terminal.say(SAVED.format(path=self.shown(self.store.path), left=clock_text(sitting.left() or 0)))
            return 0
        return self.submit(sitting, how=TERMINAL, closes_open_exam=True, terminal=terminal)

    def submit(self, sitting: Sitting, *, how: str, closes_open_exam: bool, terminal: Terminal | None = None) -> int:
        from .ui import show_exam_result

        terminal = terminal or self.terminal()
        show_exam_result(terminal, sitting.result(), sitting, self.titles())
        self.record(sitting, how=how, closes_open_exam=closes_open_exam)
        terminal.say(
            f"Saved in {self.shown(self.store.path)}. `course quiz --weak` drills your weakest task statements.",
            style="dim",
        )
        return 0
