"""CloudFormation: SNS subscriptions, SNS topic policies and SQS queue policies are made for real.

moto has no model for ``AWS::SNS::Subscription``, ``AWS::SNS::TopicPolicy`` or
``AWS::SQS::QueuePolicy``: the stack ended CREATE_COMPLETE, the topic delivered nowhere and the queue
had no policy. Here each is made through moto's SNS or SQS backend: the subscription delivers (with
its RawMessageDelivery and FilterPolicy), the policies are set, and Ref answers as on AWS (the
subscription's ARN; an id for a policy).
"""

from __future__ import annotations

import json
from typing import Any

from harness.emulator import cfn_registry
from harness.emulator.cfn_registry import MadeByStack

SUBSCRIPTION_ATTRIBUTES = ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "DeliveryPolicy")


def attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def queue_name(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


def apply() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    class SnsSubscription(MadeByStack, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::Subscription"

        @classmethod
        def make(cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str) -> SnsSubscription:
            topic_arn = properties["TopicArn"]
            backend = sns_backends[account_id][topic_arn.split(":")[3]]
            subscription = backend.subscribe(topic_arn, properties.get("Endpoint", ""), properties["Protocol"])
            for name in SUBSCRIPTION_ATTRIBUTES:
                if name in properties:
                    backend.set_subscription_attributes(subscription.arn, name, attribute_text(properties[name]))
            return cls(subscription.arn, account_id, topic_arn.split(":")[3])

        def remove(self) -> None:
            sns_backends[self.account_id][self.region].unsubscribe(self.physical_id)

    class SnsTopicPolicy(MadeByStack, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::TopicPolicy"

        @classmethod
        def make(cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str) -> SnsTopicPolicy:
            policy = attribute_text(properties["PolicyDocument"])
            for topic_arn in properties["Topics"]:
                sns_backends[account_id][region].set_topic_attribute(topic_arn, "policy", policy)
            made = cls(resource_name, account_id, region)
            made.topics = list(properties["Topics"])
            return made

        def remove(self) -> None:
            backend = sns_backends[self.account_id][self.region]
            for topic_arn in self.topics:  # back to the policy a new topic has
                topic = backend.topics.get(topic_arn)
                if topic is None:
                    continue  # moto deletes in no particular order: the topic went first
                topic._policy_json = topic._create_default_topic_policy(self.region, self.account_id, topic.name)

    class SqsQueuePolicy(MadeByStack, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SQS::QueuePolicy"

        @classmethod
        def make(cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str) -> SqsQueuePolicy:
            policy = attribute_text(properties["PolicyDocument"])
            for url in properties["Queues"]:
                sqs_backends[account_id][region].set_queue_attributes(queue_name(url), {"Policy": policy})
            made = cls(resource_name, account_id, region)
            made.queues = list(properties["Queues"])
            return made

        def remove(self) -> None:
            backend = sqs_backends[self.account_id][self.region]
            for name in map(queue_name, self.queues):
                if name in backend.queues:  # moto deletes in no particular order: the queue may have gone first
                    backend.set_queue_attributes(name, {"Policy": ""})

    cfn_registry.models_added()
