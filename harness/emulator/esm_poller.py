"""The pollers behind Lambda's event source mappings on the embedded backend.

One thread looks at every enabled SQS and DynamoDB-stream mapping every POLL_INTERVAL seconds and hands
a mapping that has work to a small pool of workers, one batch at a time per mapping (so a stream's
batches stay in order and a queue's batches never overlap). The function runs through the Lambda
execution model (lambda_execution.run), as Invoke runs it. A reset forgets every position and stops
settling batches that started before it; the server's stop ends the thread.

``drain()`` waits until no mapping has work it could do now (messages visible, stream records not yet
delivered, a batch running), so a grader can wait for the effect of what it sent instead of sleeping;
it ignores batching windows while it waits. A batch waiting out a failure (messages in flight until
their visibility timeout, a stream batch between retries) is pending, not idle.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import esm_sqs, esm_streams, lambda_execution, lambda_invoke

POLL_INTERVAL = 0.05
WORKERS = 4  # batches of different mappings that may run at once
log = logging.getLogger(__name__)


@dataclass
class DrainResult:
    idle: bool
    delivered: int  # records and messages delivered successfully while draining
    pending: list[str]  # what is left, one line per mapping


class Poller:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._busy: set[str] = set()
        self._positions: dict[str, esm_streams.ShardPosition] = {}
        self._windows: dict[str, esm_sqs.QueueWindow] = {}
        self._generation = 0
        self._delivered = 0
        self._flush = 0  # drains in progress: batching windows are ignored meanwhile
        self.endpoint = ""

    # -- life cycle --------------------------------------------------------------------------------
    def start(self, endpoint: str) -> None:
        """Runs the poller for the server at ``endpoint`` (the address deployed code calls back)."""
        with self._lock:
            self.endpoint = endpoint
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="event-source-mapping")
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="event-source-poller", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            thread, pool, self._thread, self._pool = self._thread, self._pool, None, None
        if thread is not None:
            thread.join(timeout=2)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._generation += 1
            self._positions.clear()
            self._windows.clear()
            self._busy.clear()

    def remember_start(self, esm: Any) -> None:
        """A new stream mapping starts where its StartingPosition says, at the moment it is made."""
        shard = esm_streams.find_shard(esm.account_id, esm.region, esm.event_source_arn)
        if shard is not None:
            with self._lock:
                self._positions[esm.uuid] = esm_streams.start(shard, esm.starting_position)

    # -- polling -----------------------------------------------------------------------------------
    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(POLL_INTERVAL):
            try:
                self.poll_once()
            except Exception:  # one broken mapping must not end delivery for the others
                log.exception("event source mapping poll failed")

    def poll_once(self) -> None:
        for esm in _mappings():
            if not esm.enabled or esm.uuid in self._busy:
                continue
            work = self._work(esm)
            if work is None:
                continue
            with self._lock:
                if self._pool is None or esm.uuid in self._busy:
                    return
                self._busy.add(esm.uuid)
                generation = self._generation
                self._pool.submit(self._deliver, esm, work, generation)

    def _work(self, esm: Any) -> Any | None:
        """What the mapping can do now: its queue with a batch ready, or its shard with records due."""
        service = esm.event_source_arn.split(":")[2]
        if service == "sqs":
            source = esm_sqs.find_queue(esm.account_id, esm.region, esm.event_source_arn)
            if source is None:
                return None
            source.window = self._windows.setdefault(esm.uuid, esm_sqs.QueueWindow())
            window = float(esm.max_batch_window or 0)
            return source if esm_sqs.ready(source, int(esm.batch_size), window, self._flush > 0) else None
        if service == "dynamodb":
            shard = esm_streams.find_shard(esm.account_id, esm.region, esm.event_source_arn)
            if shard is None:
                return None
            with self._lock:
                position = self._positions.get(esm.uuid)
                if position is None or position.shard_id != shard.id:  # made before a restart, or the stream was replaced
                    position = self._positions[esm.uuid] = esm_streams.start(shard, esm.starting_position)
            if esm_streams.has_work(shard, position) and not esm_streams.waiting_to_retry(position):
                return shard
        return None

    def _deliver(self, esm: Any, work: Any, generation: int) -> None:
        def current() -> bool:
            return generation == self._generation and not self._stop.is_set()

        try:
            if isinstance(work, esm_sqs.SqsSource):
                outcome = esm_sqs.deliver(work, esm, esm.region, lambda event: self._invoke(esm, event), current)
                done = outcome.delivered if outcome else 0
            else:
                position = self._positions.get(esm.uuid)
                if position is None:
                    return
                done = esm_streams.deliver(work, position, esm, esm.region, lambda event: self._invoke(esm, event),
                                           lambda record: _on_failure(esm, record) if current() else None)
            if current():
                with self._lock:
                    self._delivered += done
        except Exception:
            log.exception("event source mapping %s failed to deliver", esm.uuid)
        finally:
            with self._lock:
                if generation == self._generation:
                    self._busy.discard(esm.uuid)

    def _invoke(self, esm: Any, event: str) -> tuple[bytes, bool]:
        from moto.awslambda.utils import get_backend

        target = lambda_invoke.resolve(get_backend(esm.account_id, esm.region), esm.function_arn, None)
        invocation = lambda_execution.run(target, event, self.endpoint)
        return invocation.body, invocation.function_error is not None

    # -- waiting for the effect --------------------------------------------------------------------
    def drain(self, timeout: float) -> DrainResult:
        """Waits until every mapping is idle (or ``timeout`` seconds pass)."""
        with self._lock:
            self._flush += 1
            start = self._delivered
        try:
            deadline = time.monotonic() + timeout
            while True:
                pending = self.pending()
                if not pending or time.monotonic() >= deadline:
                    return DrainResult(not pending, self._delivered - start, pending)
                time.sleep(POLL_INTERVAL / 2)
        finally:
            with self._lock:
                self._flush -= 1

    def pending(self) -> list[str]:
        left = []
        for esm in _mappings():
            if not esm.enabled:
                continue
            if esm.uuid in self._busy:
                left.append(f"{esm.uuid}: a batch from {esm.event_source_arn} is running")
                continue
            service = esm.event_source_arn.split(":")[2]
            if service == "sqs":
                source = esm_sqs.find_queue(esm.account_id, esm.region, esm.event_source_arn)
                if source is not None and esm_sqs.visible_count(source.queue):
                    left.append(f"{esm.uuid}: messages waiting in {esm.event_source_arn}")
            elif service == "dynamodb":
                shard = esm_streams.find_shard(esm.account_id, esm.region, esm.event_source_arn)
                position = self._positions.get(esm.uuid)
                if shard is not None and (position is None or esm_streams.has_work(shard, position)):
                    state = f"retrying after {position.attempts} failed attempts" if position and position.attempts else "records to deliver"
                    left.append(f"{esm.uuid}: {state} in {esm.event_source_arn}")
        return left


def _mappings() -> list[Any]:
    """Every event source mapping of every account and region, SQS and DynamoDB streams."""
    from moto.awslambda_simple.models import lambda_simple_backends

    found = []
    for _, regions in list(lambda_simple_backends.items()):
        for _, backend in list(regions.items()):
            for esm in list(backend._event_source_mappings.values()):
                if esm.event_source_arn.split(":")[2] in ("sqs", "dynamodb"):
                    found.append(esm)
    return found


def _on_failure(esm: Any, record: dict[str, Any]) -> None:
    destination = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
    if destination:
        try:
            esm_streams.send_to_destination(esm.account_id, esm.region, destination, record)
        except Exception:  # a destination that does not exist: Lambda drops the record too
            log.exception("could not send the failure record of %s to %s", esm.uuid, destination)


POLLER = Poller()
