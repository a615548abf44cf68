"""The app the MiniStack launcher serves (harness/ministack.py): MiniStack's own, with what it does
differently from AWS in a way a correct student script meets put right. Imported by MiniStack's own
Python (hypercorn's worker process), so it imports only MiniStack and the standard library.

An executed change set keeps its name on MiniStack 1.5.33, and a new CreateChangeSet of that name
answers AlreadyExistsException. AWS retains change sets only "until you update the stack" (User Guide,
"Delete a change set"), so executing one frees its name. `aws cloudformation deploy` names its change
set after the current second (awscli-cloudformation-package-deploy-<int(time.time())>): a second
deploy that starts within the same second as the first (the first stack already complete at the
waiter's first look) failed there, and only there. Lab 4's second-deploy check met it now and then.

An AWS::SNS::Topic that CloudFormation creates or updates on MiniStack 1.5.33 drops KmsMasterKeyId:
the topic stays unencrypted, where AWS encrypts it with that key (the heist's fix of its open topic
was graded as not encrypted, and only there). The property is applied as the topic attribute of the
same name, as CreateTopic and SetTopicAttributes do; an update without it removes the encryption.
"""

from __future__ import annotations

from ministack.app import app
from ministack.services.cloudformation import _change_sets, provisioners
from ministack.services.cloudformation.handlers import _ACTION_HANDLERS
from ministack.services.cloudformation.helpers import _p

EXECUTED = frozenset({"EXECUTE_COMPLETE", "EXECUTE_FAILED"})
_create_change_set = _ACTION_HANDLERS["CreateChangeSet"]


def executed_change_sets_named(name: str, stack_name: str) -> list[str]:
    """The keys of executed change sets with this name on this stack (by name or stack id)."""
    return [
        key
        for key, change_set in list(_change_sets.items())
        if change_set.get("ChangeSetName") == name
        and stack_name in (change_set.get("StackName"), change_set.get("StackId"))
        and change_set.get("ExecutionStatus") in EXECUTED
    ]


def create_change_set(params):  # type: ignore[no-untyped-def]
    for key in executed_change_sets_named(_p(params, "ChangeSetName"), _p(params, "StackName")):
        _change_sets.pop(key, None)
    return _create_change_set(params)


_ACTION_HANDLERS["CreateChangeSet"] = create_change_set

TOPIC_PROPERTIES_AS_ATTRIBUTES = ("KmsMasterKeyId",)
_topic_handlers = provisioners._RESOURCE_HANDLERS["AWS::SNS::Topic"]
_create_topic, _update_topic = _topic_handlers["create"], _topic_handlers["update"]


def apply_topic_properties(arn: str, props: dict) -> None:  # type: ignore[type-arg]
    topic = provisioners._sns._topics.get(arn)
    if topic is None:
        return
    for name in TOPIC_PROPERTIES_AS_ATTRIBUTES:
        if props.get(name):
            topic["attributes"][name] = str(props[name])
        else:
            topic["attributes"].pop(name, None)


def create_topic(logical_id, props, stack_name):  # type: ignore[no-untyped-def]
    arn, attributes = _create_topic(logical_id, props, stack_name)
    apply_topic_properties(arn, props)
    return arn, attributes


def update_topic(physical_id, old_props, new_props, stack_name, logical_id=None):  # type: ignore[no-untyped-def]
    arn, attributes = _update_topic(physical_id, old_props, new_props, stack_name, logical_id)
    apply_topic_properties(arn, new_props)
    return arn, attributes


# The module's own name too: an update that replaces the topic (a new TopicName) creates it through it.
_topic_handlers["create"] = provisioners._sns_create = create_topic
_topic_handlers["update"] = update_topic

__all__ = ["app"]
