"""CloudFormation reads a template once per request; moto parses the same text again at each step.

moto parses a template with PyYAML's pure-Python loader wherever it needs it: a SAM deploy's text four
times (the transforms it declares, the transform, the capabilities check of the expanded template, the
stack), 20-100 ms each, and again in every check that deploys the same template (measured on the heist:
~0.3 s of a run). Here a text is parsed once per emulator process and each caller gets a copy of its
own, so nothing a caller changes in its template reaches another. What parsing gives, and the errors a
broken template raises (they are not kept), are moto's.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

TEMPLATES_KEPT = 32  # a grading run deploys a few templates; a long `course backend up` session, more


def apply() -> None:
    from moto.cloudformation.models import ChangeSet, Stack

    parse = Stack.parse_template
    if getattr(parse, "parses_once", False):
        return
    parsed = functools.lru_cache(maxsize=TEMPLATES_KEPT)(parse)

    @functools.wraps(parse)
    def parse_template(template: Any) -> Any:
        if not isinstance(template, str):
            return parse(template)
        return copy.deepcopy(parsed(template))

    parse_template.parses_once = True  # type: ignore[attr-defined]
    Stack.parse_template = staticmethod(parse_template)  # type: ignore[method-assign]

    def change_set_template(self: ChangeSet) -> None:  # moto's own copy of the same parse
        self.template_dict = Stack.parse_template(self.template)

    ChangeSet._parse_template = change_set_template  # type: ignore[method-assign]
