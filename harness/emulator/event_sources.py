"""Lambda's event source mappings deliver: SQS queues and DynamoDB streams invoke the deployed function.

moto, without Docker, delivers an SQS message the moment it is sent by "invoking" the function without
running it and then deletes the batch, and it hands DynamoDB stream records to its Docker runner (and
drops them from the stream when that answers). Here a mapping made through the API or CloudFormation is
taken away from moto's inline trigger and served by the poller (esm_poller.py, esm_sqs.py,
esm_streams.py), which runs the code in the Lambda execution model and deletes only what was
delivered. As AWS does, a second mapping of the same queue or stream to the same function is refused
with ResourceConflictException. SNS subscriptions with the ``lambda`` protocol: sns_lambda.py.
"""

from __future__ import annotations

import functools
from typing import Any

from . import resets, sns_lambda
from .esm_poller import POLLER

SQS_CONFLICT = ('An event source mapping with SQS arn (" {arn} ") and function (" {function} ") already exists. '
                "Please update or delete the existing mapping with UUID {uuid}")
STREAM_CONFLICT = ('The event source arn (" {arn} ") and function (" {function} ") provided mapping already exists. '
                   "Please update or delete the existing mapping with UUID {uuid}")


def apply() -> None:
    from moto.awslambda.models import LambdaBackend

    create = LambdaBackend.create_event_source_mapping

    @functools.wraps(create)
    def create_and_serve(self: Any, spec: dict[str, Any]) -> Any:
        _refuse_a_second_mapping(self, spec)
        esm = create(self, spec)
        if _served_here(self):
            _detach_from_moto(self, esm)
            POLLER.remember_start(esm)
        return esm

    LambdaBackend.create_event_source_mapping = create_and_serve  # type: ignore[method-assign]
    sns_lambda.apply()
    resets.on_reset(POLLER.reset)


def start(endpoint: str) -> None:
    """The server at ``endpoint`` is up: mappings are polled from now on (deployed code calls it back)."""
    POLLER.start(endpoint)


def stop() -> None:
    POLLER.stop()


def _served_here(backend: Any) -> bool:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    return isinstance(backend, LambdaSimpleBackend)  # moto's Docker mode runs mappings its own way


def _refuse_a_second_mapping(backend: Any, spec: dict[str, Any]) -> None:
    arn, name = spec.get("EventSourceArn") or "", spec.get("FunctionName") or ""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service not in ("sqs", "dynamodb") or not name:
        return
    function_arn = backend._lambdas.get_function_by_name_or_arn_with_qualifier(name).function_arn
    for esm in list(backend._event_source_mappings.values()):
        if esm.event_source_arn == arn and esm.function_arn == function_arn:
            from moto.awslambda.exceptions import LambdaClientError

            template = SQS_CONFLICT if service == "sqs" else STREAM_CONFLICT
            error = LambdaClientError("ResourceConflictException", template.format(arn=arn, function=function_arn, uuid=esm.uuid))
            error.code = 409
            raise error


def _detach_from_moto(backend: Any, esm: Any) -> None:
    """moto's own trigger would consume the queue or the stream: the poller delivers instead."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.sqs.models import sqs_backends

    for queue in list(sqs_backends[backend.account_id][backend.region_name].queues.values()):
        if queue.lambda_event_source_mappings.get(esm.function_arn) is esm:
            del queue.lambda_event_source_mappings[esm.function_arn]
    for table in list(dynamodb_backends[backend.account_id][backend.region_name].tables.values()):
        if table.lambda_event_source_mappings.get(esm.function_arn) is esm:
            del table.lambda_event_source_mappings[esm.function_arn]
