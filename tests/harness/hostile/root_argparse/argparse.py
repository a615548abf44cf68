"""Forger: a module at the course root named like the standard library's argparse.

A grading process that imports argparse from the student's tree stops here.
"""

raise RuntimeError("the student's argparse.py was imported")
