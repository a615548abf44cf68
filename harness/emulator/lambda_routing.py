"""Which version an alias runs: its ``RoutingConfig.AdditionalVersionWeights`` obeyed, as Lambda does.

Each invocation through an alias draws a number; a version with weight w gets a share w of them and the
alias's own version the rest. The draws come from a generator seeded again whenever the backend resets,
so a check, which starts from a reset, sees the same sequence of versions every time it runs.
"""

from __future__ import annotations

import random
import threading
from typing import Any

ROUTING_SEED = 1205
_random = random.Random(ROUTING_SEED)
_lock = threading.Lock()


def reseed(seed: int = ROUTING_SEED) -> None:
    with _lock:
        _random.seed(seed)


def pick_version(primary: str, routing_config: Any) -> str:
    """The version one invocation of the alias runs."""
    weights = (routing_config or {}).get("AdditionalVersionWeights") or {}
    if not weights:
        return primary
    with _lock:
        draw = _random.random()
    total = 0.0
    for version, weight in sorted(weights.items()):
        total += float(weight)
        if draw < total:
            return str(version)
    return primary
