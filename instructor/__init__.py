"""The instructors' cohort tools: a student template, a gradebook, an authoritative regrade.

Apart from the harness (harness/) on purpose: nothing here decides a grade, so none of it is in
graders.lock; a cohort's template leaves this package out, and its `course --help` lists only the
students' commands. The `course` CLI adds these commands when this package is importable.
"""
