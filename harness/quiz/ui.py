"""The terminal: questions, feedback, the review screen and results drawn with rich; answers read with input().

Question and option texts are printed as plain text (never as rich markup), so brackets in a stem stay.
The exam's commands are letters no option uses (options go up to F): m flags, x clears, p, r, q, s, u.
The loops take an ``ask`` function (input() by default) and treat end of input and Ctrl-C as "quit", so
they run the same from a keyboard, a pipe or a test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .forms import EXAM, Item, Paper
from .model import TASKS
from .references import CheckTitles, reference_lines
from .scoring import PASS_SCALED, TIME_LIMIT, Result
from .session import Sitting, TimeUp, clock_text

Ask = Callable[[str], str]
QUIT, SUBMIT = "quit", "submit"
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}

QUIZ_HELP = "Type the letter of your answer (two letters, such as AC, for \"choose two\"); Enter skips; q quits."
EXAM_HELP = (
    "Letters answer (AC for \"choose two\"); Enter goes on; p goes back; m flags the question for review (m again "
    "unflags it); x clears your answer; r opens the review screen; q saves and quits (`course exam --resume` continues)."
)
REVIEW_HELP = "A number goes to that question, u to the first unanswered, m to the first flagged; s submits; q saves and quits."
TIME_UP = "Time is up ({minutes} minutes): the exam is scored with the answers given before the deadline."
LATE_ANSWER = "That answer came after the deadline and is not counted."
SAVED = "Saved after every answer in {path}: `course exam --resume` continues ({left} left)."
SCALE_NOTE = "Scaled score = 100 + 900 x right / questions, rounded; 720 passes (quizzes/README.md, \"Scoring\")."


class Terminal:
    """Output through rich, input through ``ask``."""

    def __init__(self, out: TextIO, *, ask: Ask = input, color: bool | None = None, width: int | None = None) -> None:
        self.console = Console(
            file=out, highlight=False, force_terminal=color, no_color=color is False, width=width, soft_wrap=False
        )
        self._ask = ask

    def say(self, text: str | Text = "", style: str | None = None) -> None:
        self.console.print(text if isinstance(text, Text) else Text(text, style=style or ""))

    def ask(self, prompt: str) -> str | None:
        """A line typed, stripped; None at end of input or Ctrl-C."""
        self.console.file.flush()
        try:
            return self._ask(prompt).strip()
        except (EOFError, KeyboardInterrupt):
            self.say()
            return None


# ----------------------------------------------------------------------------- drawing


def _options_grid(item: Item, chosen: frozenset[int] | None = None) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for position, option in enumerate(item.options):
        mark = ">" if chosen and position in chosen else " "
        grid.add_row(Text(f"{mark} {item.letters[position]}", style="bold"), Text(" ".join(option.text.split())))
    return grid


def choose_line(item: Item) -> str:
    if item.question.multiple_response:
        return f"Choose {NUMBER_WORDS.get(item.question.choose, item.question.choose)} (letters such as AC)."
    return "Choose one."


def show_question(terminal: Terminal, paper: Paper, position: int, sitting: Sitting) -> None:
    item = paper.items[position]
    parts = [f"Question {position + 1} of {len(paper.items)}"]
    if paper.kind == EXAM:
        left = sitting.left()
        if left is not None:
            parts.append(f"{clock_text(left)} left")
        if position in sitting.flagged:
            parts.append("flagged")
    else:
        parts.append(f"{item.question.task} {TASKS[item.question.task]}")
    terminal.console.rule(Text(" · ".join(parts)), style="cyan")
    terminal.say(" ".join(item.question.stem.split()))
    terminal.say()
    chosen = sitting.answers.get(position)
    terminal.console.print(_options_grid(item, chosen))
    answered = f" Your answer: {item_letters(item, chosen)}." if chosen else ""
    terminal.say(choose_line(item) + answered, style="dim")


def item_letters(item: Item, chosen: frozenset[int] | None) -> str:
    return "".join(item.letters[position] for position in sorted(chosen or ()))


def show_feedback(
    terminal: Terminal, item: Item, chosen: frozenset[int] | None, titles: CheckTitles, *, with_text: bool = False
) -> None:
    """Right or wrong, every option's explanation (✓ the keys, > the options chosen), the references."""
    key = item_letters(item, item.key)
    if chosen == item.key:
        terminal.say(f"✓ Right: {key}.", style="bold green")
    elif not chosen:
        terminal.say(f"✗ Not answered. The answer is {key}.", style="bold red")
    else:
        terminal.say(f"✗ Wrong: you chose {item_letters(item, chosen)}; the answer is {key}.", style="bold red")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for position, option in enumerate(item.options):
        mark = ("✓" if option.correct else "✗") + (" >" if chosen and position in chosen else "  ")
        text = Text()
        if with_text:
            text.append(" ".join(option.text.split()) + "\n", style="bold" if option.correct else "")
        text.append(" ".join(option.why.split()), style="" if option.correct else "dim")
        grid.add_row(Text(f"{item.letters[position]} {mark}", style="green" if option.correct else "red"), text)
    terminal.console.print(grid)
    terminal.say("Read more:", style="cyan")
    for line in reference_lines(item.question, titles):  # unwrapped, so that an address stays whole to copy
        terminal.console.print(Text(f"  {line}", style="cyan"), soft_wrap=True)


def show_review(terminal: Terminal, sitting: Sitting) -> None:
    paper = sitting.paper
    unanswered, flagged = sitting.unanswered, sorted(sitting.flagged)
    left = sitting.left()
    heading = (
        f"Review · {len(paper.items) - len(unanswered)} answered, {len(unanswered)} unanswered, {len(flagged)} flagged"
        + (f" · {clock_text(left)} left" if left is not None else "")
    )
    terminal.console.rule(Text(heading), style="cyan")
    grid = Table.grid(padding=(0, 3))
    columns = 5
    for _ in range(columns):
        grid.add_column(no_wrap=True)
    cells = []
    for position, item in enumerate(paper.items):
        chosen = sitting.answers.get(position)
        cell = Text(f"{position + 1:>2} ")
        cell.append(item_letters(item, chosen) or "·", style="bold" if chosen else "red")
        if position in sitting.flagged:
            cell.append(" ⚑", style="yellow")
        cells.append(cell)
    for start in range(0, len(cells), columns):
        row = cells[start : start + columns]
        grid.add_row(*row, *[Text("")] * (columns - len(row)))
    terminal.console.print(grid)
    if unanswered:
        terminal.say(f"Unanswered: {_numbers(unanswered)}", style="red")
    if flagged:
        terminal.say(f"Flagged: {_numbers(flagged)}", style="yellow")
    terminal.say(REVIEW_HELP, style="dim")


def _numbers(positions: list[int], shown: int = 20) -> str:
    text = ", ".join(str(position + 1) for position in positions[:shown])
    return text + (f" and {len(positions) - shown} more" if len(positions) > shown else "")


def show_quiz_result(terminal: Terminal, result: Result) -> None:
    paper = result.paper
    terminal.console.rule(Text(f"{paper.title} (seed {paper.seed})"), style="cyan")
    terminal.say(f"{result.correct} of {result.total} right ({result.percent:g} %).", style="bold")
    weak = [tally for tally in result.tasks if tally.questions and tally.right < tally.questions]
    if weak:
        terminal.say("Missed, by task statement: " + "; ".join(f"{t.key} {t.name} ({t.questions - t.right})" for t in weak))


def show_exam_result(terminal: Terminal, result: Result, sitting: Sitting, titles: CheckTitles) -> None:
    paper = result.paper
    verdict = "PASS" if result.passed else "FAIL"
    terminal.console.rule(
        Text(f"{paper.title} (seed {paper.seed}): {result.scaled} / 1000, {verdict} ({PASS_SCALED} passes)"),
        style="green" if result.passed else "red",
    )
    limit = sitting.limit or TIME_LIMIT
    terminal.say(
        f"{result.correct} of {result.total} right ({result.percent:g} %); time used {clock_text(sitting.used())} of "
        f"{clock_text(limit)}." + (" Time ran out." if sitting.expired else ""),
        style="bold",
    )
    if sitting.late:
        terminal.say(f"{sitting.late} answer(s) after the deadline were not counted.", style="red")
    table = Table(box=None, pad_edge=False, show_edge=False)
    for name, justify in (("Domain", "left"), ("Right", "right"), ("Share", "right"), ("Readiness", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for tally in result.domains:
        table.add_row(
            f"{tally.key} {tally.name}", f"{tally.right}/{tally.questions}", f"{tally.percent:g} %",
            Text("meets the mark" if tally.meets else "needs work", style="green" if tally.meets else "yellow"),
        )
    terminal.console.print(table)
    terminal.say(SCALE_NOTE, style="dim")
    missed = result.missed
    if missed:
        terminal.console.rule(Text(f"Missed questions ({len(missed)})"), style="red")
    for position in missed:
        item = paper.items[position]
        question = item.question
        terminal.say()
        terminal.say(
            f"Question {position + 1} · {question.task} {TASKS[question.task]} · {question.id}", style="bold"
        )
        terminal.say(" ".join(question.stem.split()))
        show_feedback(terminal, item, result.answers.get(position), titles, with_text=True)


# ----------------------------------------------------------------------------- answering


def parse_choice(text: str, item: Item) -> frozenset[int] | str:
    """The positions a typed answer names, or what is wrong with it."""
    letters = "".join(text.replace(",", " ").split()).upper()
    wrong = sorted({letter for letter in letters if letter not in item.letters})
    if wrong or not letters:
        return f"Type letters from {item.letters[0]} to {item.letters[-1]}" + (f", not {''.join(wrong)}." if wrong else ".")
    chosen = frozenset(item.letters.index(letter) for letter in letters)
    if len(chosen) != item.question.choose:
        count = NUMBER_WORDS.get(item.question.choose, str(item.question.choose))
        return f"This question takes {count} answer{'s' if item.question.choose > 1 else ''}: {choose_line(item)}"
    return chosen


def run_quiz(terminal: Terminal, sitting: Sitting, titles: CheckTitles) -> bool:
    """Ask every question with feedback after each; False when the student quit."""
    paper = sitting.paper
    terminal.say(QUIZ_HELP, style="dim")
    for position, item in enumerate(paper.items):
        show_question(terminal, paper, position, sitting)
        while True:
            typed = terminal.ask("Answer> ")
            if typed is None or typed.lower() == "q":
                return False
            if typed == "":
                chosen: frozenset[int] = frozenset()
                break
            parsed = parse_choice(typed, item)
            if isinstance(parsed, str):
                terminal.say(parsed, style="yellow")
                continue
            chosen = parsed
            break
        sitting.answer(position, chosen)
        show_feedback(terminal, item, chosen or None, titles)
    return True


def run_exam(terminal: Terminal, sitting: Sitting, save: Callable[[Sitting], None]) -> str:
    """The exam: questions in order, the review screen at the end (or on `r`); SUBMIT or QUIT."""
    paper = sitting.paper
    count = len(paper.items)
    terminal.say(EXAM_HELP, style="dim")
    position: int | None = sitting.unanswered[0] if sitting.unanswered else None
    from_review, show = False, True

    def after(current: int) -> int | None:
        return None if from_review or current + 1 >= count else current + 1

    while True:
        if sitting.expired:
            terminal.say(TIME_UP.format(minutes=round((sitting.limit or TIME_LIMIT) / 60)), style="bold red")
            return SUBMIT
        if position is None:
            show_review(terminal, sitting)
            typed = terminal.ask("Review> ")
            if typed is None or typed.lower() == "q":
                return QUIT
            command = typed.lower()
            if command == "s":
                missing = len(sitting.unanswered)
                if missing:
                    sure = terminal.ask(f"{missing} question(s) unanswered. Submit anyway? [y/N] ")
                    if sure is None or sure.lower() not in ("y", "yes"):
                        continue
                return SUBMIT
            targets = {"u": sitting.unanswered, "m": sorted(sitting.flagged)}
            if command in targets:
                if targets[command]:
                    position, from_review, show = targets[command][0], True, True
                else:
                    terminal.say("None.", style="yellow")
            elif command.isdigit() and 1 <= int(command) <= count:
                position, from_review, show = int(command) - 1, True, True
            else:
                terminal.say(REVIEW_HELP, style="yellow")
            continue
        if show:
            show_question(terminal, paper, position, sitting)
        show = True
        typed = terminal.ask("Answer> ")
        if typed is None or typed.lower() == "q":
            return QUIT
        command = typed.lower()
        if command == "":
            position = after(position)
        elif command == "p":
            position, from_review = max(0, position - 1), False
        elif command == "r":
            position = None
        elif command == "m":
            flagged = sitting.toggle_flag(position)
            save(sitting)
            terminal.say("Flagged for review." if flagged else "Flag removed.", style="yellow")
            show = False
        elif command == "x":
            try:
                sitting.answer(position, frozenset())
            except TimeUp:
                terminal.say(LATE_ANSWER, style="red")
                continue
            save(sitting)
        else:
            parsed = parse_choice(typed, paper.items[position])
            if isinstance(parsed, str):
                terminal.say(parsed, style="yellow")
                show = False
                continue
            try:
                sitting.answer(position, parsed)
            except TimeUp:
                terminal.say(LATE_ANSWER, style="red")
                continue
            save(sitting)
            position = after(position)
