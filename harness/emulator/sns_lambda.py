"""SNS delivers to a ``lambda`` subscription by invoking the function asynchronously with the SNS event.

moto hands such a message to its Docker runner (nothing runs without Docker) with a fixed sample event.
Here the subscribed function (a qualified ARN runs that version or alias) runs in the Lambda execution
model, as an ``Event`` invocation does, with the record Lambda receives: the topic, subscription,
message id, subject (null when none), timestamp, and the message attributes as ``Type``/``Value``.
The subscription's filter policy applies first, as for every protocol. Lambda's two retries of a
failed asynchronous invocation are not made.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Any

from . import lambda_invoke
from .esm_poller import POLLER
from .lambda_environments import POOL


def apply() -> None:
    from moto.sns.models import Subscription

    publish = Subscription.publish

    def publish_to_lambda_too(self: Any, message: str, message_id: str, subject: str | None = None,
                              message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        if self.protocol != "lambda":
            return publish(self, message, message_id, subject, message_attributes, *args, **kwargs)
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(message_attributes, message):
            return None
        if kwargs.get("message_structure") == "json":
            message = self._parse_message_structure(message, self.protocol)
        _invoke(self, event(self, message, message_id, subject, message_attributes))
        return None

    publish_to_lambda_too.__name__ = "publish"
    Subscription.publish = publish_to_lambda_too  # type: ignore[method-assign]


def event(subscription: Any, message: str, message_id: str, subject: str | None,
          message_attributes: dict[str, Any] | None) -> dict[str, Any]:
    region = subscription.topic.arn.split(":")[3]
    now = datetime.now(timezone.utc)
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription.arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": subscription.topic.arn,
            "Subject": subject or None,
            "Message": message,
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-0000000000000000000000000000000.pem",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription.arn}",
            "MessageAttributes": {name: {"Type": value.get("Type"), "Value": value.get("Value")}
                                  for name, value in (message_attributes or {}).items()},
        },
    }]}


def _invoke(subscription: Any, record: dict[str, Any]) -> None:
    from moto.awslambda.utils import get_backend

    function_arn = subscription.endpoint
    region = function_arn.split(":")[3]
    try:
        target = lambda_invoke.resolve(get_backend(subscription.account_id, region), function_arn, None)
    except Exception:  # the function is gone: SNS's delivery fails, the publisher never hears of it
        return
    threading.Thread(target=lambda_invoke._run_in_background, daemon=True,
                     args=(target, json.dumps(record), POLLER.endpoint, POOL.generation)).start()
