"""The warm execution environments of every function version, as Lambda keeps them.

An invocation takes an idle environment of the same function version, code and configuration (a warm
start) or starts a new one (a cold start: the module's top level runs again); an environment serves one
invocation at a time, so concurrent invocations get separate ones. An environment idle for longer than
``idle_seconds`` ends, as Lambda reclaims them; a code or configuration change leaves the old ones to
end. Reserved concurrency caps how many of a function's environments run invocations at once. Every
environment ends when the backend resets (between checks) and when it stops.

Provisioned concurrency (lambda_provisioned.py) keeps environments of its own for an alias or a version,
started and initialised when it is allocated: an invocation through that qualifier takes an idle one
(no init, not a cold start); when all are busy it spills over to on-demand environments as above.
They are never reclaimed for idleness; they end when the configuration is deleted or allocated again.
One that ends (a timeout, an exit) is replaced in the background, as Lambda keeps the allocation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from .lambda_environment import Environment, FunctionSpec, Phase

DEFAULT_IDLE_SECONDS = 600.0  # Lambda keeps an idle environment for minutes, never promised
MAX_ENVIRONMENTS = 32  # past this, the least recently used idle environment ends first


class Throttled(Exception):
    """The function's reserved concurrency is in use."""


class EnvironmentPool:
    def __init__(self, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._idle: list[Environment] = []
        self._busy: list[Environment] = []
        self._starting: dict[str, int] = {}  # function -> environments being started (they count as busy)
        self._sweeper: threading.Thread | None = None
        self._generation = 0  # bumped by close_all: an environment of an older generation is never reused
        self._provisioned: dict[tuple[str, ...], list[Environment]] = {}  # by (account, region, function, qualifier)
        self.on_provisioned_start: Callable[[Environment, Phase], None] | None = None  # logs each provisioned init

    @contextmanager
    def environment(
        self, spec: FunctionSpec, endpoint: str, reserved: int | None, provisioned: tuple[str, ...] | None = None
    ) -> Iterator[tuple[Environment, Phase | None]]:
        """An environment for one invocation: (environment, its init phase when it is a cold start).

        ``provisioned``: the alias or version invoked has provisioned concurrency; an idle provisioned
        environment of that key serves the invocation when there is one (``environment.provisioned_for``).
        """
        environment, generation = self._take_idle(spec, reserved, provisioned)
        init: Phase | None = None
        if environment is None:
            environment = Environment(spec, endpoint)
            try:
                init = environment.start()
            finally:
                with self._lock:
                    self._starting[spec.name] -= 1
                    self._busy.append(environment)
        try:
            yield environment, init
        finally:
            self._give_back(environment, generation)

    def _take_idle(
        self, spec: FunctionSpec, reserved: int | None, provisioned: tuple[str, ...] | None = None
    ) -> tuple[Environment | None, int]:
        with self._lock:
            self._ensure_sweeper()
            running = sum(1 for env in self._busy if env.spec.name == spec.name) + self._starting.get(spec.name, 0)
            if reserved is not None and running >= reserved:
                raise Throttled(spec.name)
            ready = next((env for env in self._provisioned.get(provisioned or (), [])
                          if env not in self._busy and env.spec.key == spec.key and env.alive()), None)
            if ready is not None:
                self._busy.append(ready)
                return ready, self._generation
            stale = [env for env in self._idle if _same_version(env.spec, spec) and env.spec.key != spec.key]
            for env in stale:  # the code or configuration changed: Lambda starts afresh
                self._idle.remove(env)
            match = next((env for env in reversed(self._idle) if env.spec.key == spec.key and env.alive()), None)
            if match is not None:
                self._idle.remove(match)
                self._busy.append(match)
            else:
                self._starting[spec.name] = self._starting.get(spec.name, 0) + 1
            generation = self._generation
        for env in stale:
            env.kill()
        return match, generation

    def _give_back(self, environment: Environment, generation: int) -> None:
        with self._lock:
            if environment in self._busy:
                self._busy.remove(environment)
            allocated = self._provisioned.get(environment.provisioned_for or (), [])
            replace_into: list[Environment] | None = None
            if environment in allocated:
                if environment.alive() and generation == self._generation:
                    return  # stays allocated to its alias or version
                allocated.remove(environment)
                replace_into = allocated if generation == self._generation else None
            keep = environment.alive() and generation == self._generation and not environment.provisioned_for
            if keep:
                self._idle.append(environment)
            surplus = self._idle[: max(0, len(self._idle) + len(self._busy) - MAX_ENVIRONMENTS)]
            for env in surplus:
                self._idle.remove(env)
        if not keep:
            environment.kill()
        for env in surplus:
            env.kill()
        if replace_into is not None:
            threading.Thread(target=self._replace, args=(environment, replace_into, generation),
                             name="lambda-provisioned-replacement", daemon=True).start()

    def _replace(self, ended: Environment, allocated: list[Environment], generation: int) -> None:
        """A new provisioned environment for one that ended, unless the allocation changed meanwhile."""
        environment = Environment(ended.spec, ended.endpoint, provisioned_for=ended.provisioned_for)
        try:
            phase = environment.start()
        except OSError:
            environment.kill()
            return
        started = phase.reply is not None and not phase.reply.get("error")
        with self._lock:
            current = generation == self._generation and self._provisioned.get(ended.provisioned_for or ()) is allocated
            if current and started:
                allocated.append(environment)
        if current and self.on_provisioned_start is not None:
            self.on_provisioned_start(environment, phase)
        if not (current and started):
            environment.kill()

    @property
    def generation(self) -> int:
        """Changes at every close_all (a reset): what an invocation did before it belongs to the old state."""
        return self._generation

    def running(self, function_name: str) -> int:
        """How many of the function's invocations run now (its concurrent executions)."""
        with self._lock:
            return sum(1 for env in self._busy if env.spec.name == function_name) + self._starting.get(function_name, 0)

    # -- provisioned concurrency --------------------------------------------------------------------------
    def provision(self, key: tuple[str, ...], spec: FunctionSpec, endpoint: str, count: int) -> list[tuple[Environment, Phase]]:
        """Start and initialise ``count`` environments for an alias or version, replacing its previous ones.

        Each (environment, init phase) is returned, so the caller can log the inits and see failures;
        an environment whose init failed has ended and is not allocated.
        """
        self.deprovision(key)
        generation = self._generation
        environments = [Environment(spec, endpoint, provisioned_for=key) for _ in range(count)]
        with ThreadPoolExecutor(max_workers=max(1, min(count, 4))) as starting:
            phases = list(starting.map(lambda env: env.start(), environments))
        started = [env for env, phase in zip(environments, phases) if phase.reply is not None and not phase.reply.get("error")]
        with self._lock:
            current = generation == self._generation
            if current:
                self._provisioned[key] = started
        if not current:  # the backend was reset meanwhile: these belong to the old state
            for env in started:
                env.kill()
        elif self.on_provisioned_start is not None:
            for env, phase in zip(environments, phases):
                self.on_provisioned_start(env, phase)
        return list(zip(environments, phases))

    def deprovision(self, key: tuple[str, ...]) -> None:
        """End an alias's or version's provisioned environments (a busy one ends when its invocation does)."""
        with self._lock:
            environments = self._provisioned.pop(key, [])
            idle = [env for env in environments if env not in self._busy]
        for env in idle:
            env.kill()

    def provisioned(self, key: tuple[str, ...]) -> tuple[int, int]:
        """(allocated environments alive, how many of them run an invocation now) for an alias or version."""
        with self._lock:
            alive = [env for env in self._provisioned.get(key, []) if env.alive() or env in self._busy]
            return len(alive), sum(1 for env in alive if env in self._busy)

    def idle_count(self) -> int:
        with self._lock:
            return len(self._idle)

    def close_all(self) -> None:
        """End every environment: the idle ones now, the busy ones as their invocation ends."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, []
            busy = list(self._busy)
            idle += [env for allocated in self._provisioned.values() for env in allocated if env not in busy]
            self._provisioned = {}
        for env in idle:
            env.kill()
        for env in busy:  # its invocation's thread sees it end, answers, and closes it
            env.terminate()

    def sweep_idle(self) -> None:
        now = time.monotonic()
        with self._lock:
            expired = [env for env in self._idle if now - env.last_used > self.idle_seconds or not env.alive()]
            for env in expired:
                self._idle.remove(env)
        for env in expired:
            env.kill()

    def _ensure_sweeper(self) -> None:
        if self._sweeper is None or not self._sweeper.is_alive():
            self._sweeper = threading.Thread(target=self._sweep_forever, name="lambda-idle-sweeper", daemon=True)
            self._sweeper.start()

    def _sweep_forever(self) -> None:
        while True:
            time.sleep(min(max(self.idle_seconds / 4, 0.05), 5.0))
            self.sweep_idle()


def _same_version(a: FunctionSpec, b: FunctionSpec) -> bool:
    return (a.account_id, a.region, a.name, a.version) == (b.account_id, b.region, b.name, b.version)


POOL = EnvironmentPool()
