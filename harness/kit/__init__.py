"""The shared grader kit: what more than one exercise grader needs, written once and tested on its own.

Graders import from the modules here (``from harness.kit.logs import StudentLog``); nothing in the
kit runs student code itself: it reads what the student process and the emulator report.
"""
