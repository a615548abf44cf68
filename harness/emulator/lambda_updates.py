"""Lambda: an update of a function's code or configuration is in progress until its status is read.

On AWS, UpdateFunctionCode and UpdateFunctionConfiguration answer ``LastUpdateStatus: InProgress``
and the update then takes a few seconds; until it is ``Successful``, PublishVersion and another update
of the function fail with ``ResourceConflictException`` ("The operation cannot be performed at this
time. An update is in progress for resource: <function ARN>"). moto completes every update at once,
so a script that publishes without waiting passes here and fails on AWS.

Restored without slowing graders down: the update stays in progress until the function's status is
first read (GetFunction or GetFunctionConfiguration of $LATEST, which is what ``aws lambda wait
function-updated`` and boto3's ``function_updated`` waiters do), and that read already reports
``Successful``. The seconds AWS takes are compressed to nothing, never to a clock: the same requests
always get the same answers, so a script's run can be replayed (harness/script_replay.py).

PublishVersion's ``CodeSha256`` precondition, which moto ignores, is restored too: a hash other than
$LATEST's is refused with AWS's InvalidParameterValueException, and nothing is published; and an
UpdateFunctionCode with ``DryRun`` changes nothing, so it no longer makes the next PublishVersion
publish. moto returns the latest version, publishing none, when the function was not updated since it,
and publishes after any update, even with the same code, both as AWS does; but after a function's
first version it forgot that nothing changed since, and published a copy: restored here too.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import unquote

IN_PROGRESS = "_course_update_in_progress"  # an attribute of moto's $LATEST function object (reset clears it)
UPDATE_IN_PROGRESS = "The operation cannot be performed at this time. An update is in progress for resource: {arn}"
CODE_SHA_DIFFERS = (
    "CodeSHA256 ({given}) is different from current CodeSHA256 in $LATEST ({current}). "
    "Please try again with the CodeSHA256 in $LATEST."
)


def apply() -> None:
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.responses import LambdaResponse

    class UpdateInProgress(LambdaClientError):
        code = 409

        def __init__(self, arn: str) -> None:
            super().__init__("ResourceConflictException", UPDATE_IN_PROGRESS.format(arn=arn))

    def latest(response: LambdaResponse, path_name: str) -> tuple[Any, str | None]:
        """moto's $LATEST object of the function a request names, and the qualifier the name carries."""
        name_or_arn = unquote(path_name)
        if name_or_arn.startswith("arn:"):
            _, name, qualifier = response.backend._lambdas.split_function_arn(name_or_arn)
        else:
            name, _, qualifier = name_or_arn.partition(":")
        return response.backend.get_function(name), qualifier or None

    def refuse_while_updating(function: Any) -> None:
        if getattr(function, IN_PROGRESS, False):
            raise UpdateInProgress(function.function_arn)

    def update(original: Any) -> Any:
        """UpdateFunctionCode/UpdateFunctionConfiguration: refused during an update, then one starts."""

        @functools.wraps(original)
        def updating(self: LambdaResponse) -> Any:
            try:
                function, _ = latest(self, self.path.rsplit("/", 2)[-2])
            except LambdaClientError:  # an unknown function: moto answers as AWS does
                return original(self)
            refuse_while_updating(function)
            changed_before = function.code_or_config_updated
            status, headers, body = original(self)
            if self.json_body.get("DryRun"):  # validates only: moto would count it as a change to publish
                function.code_or_config_updated = changed_before
            elif status == 200:
                setattr(function, IN_PROGRESS, True)
                answer = json.loads(body)
                answer["LastUpdateStatus"] = "InProgress"
                body = json.dumps(answer)
            return status, headers, body

        return updating

    def read(original: Any, name_from_path: Any) -> Any:
        """GetFunction/GetFunctionConfiguration of $LATEST: the update it finds in progress has finished."""

        @functools.wraps(original)
        def reading(self: LambdaResponse) -> Any:
            answer = original(self)
            try:
                function, in_name = latest(self, name_from_path(self.path))
            except LambdaClientError:
                return answer
            if (in_name or self._get_param("Qualifier", None)) in (None, "", "$LATEST"):
                setattr(function, IN_PROGRESS, False)
            return answer

        return reading

    publish_version = LambdaResponse.publish_version

    @functools.wraps(publish_version)
    def publish_when_updated(self: LambdaResponse) -> Any:
        try:
            function, _ = latest(self, self.path.split("/")[-2])
        except LambdaClientError:
            return publish_version(self)
        refuse_while_updating(function)
        given = self._get_param("CodeSha256")
        if given and given != function.code_sha_256:
            raise LambdaClientError(
                "InvalidParameterValueException", CODE_SHA_DIFFERS.format(given=given, current=function.code_sha_256)
            )
        answer = publish_version(self)
        # moto forgets to mark the first version's publish: a second publish right after would make a copy.
        function.code_or_config_updated = False
        return answer

    LambdaResponse.update_function_code = update(LambdaResponse.update_function_code)  # type: ignore[method-assign]
    LambdaResponse.update_function_configuration = update(LambdaResponse.update_function_configuration)  # type: ignore[method-assign]
    LambdaResponse.publish_version = publish_when_updated  # type: ignore[method-assign]
    LambdaResponse.get_function = read(LambdaResponse.get_function, lambda path: path.rsplit("/", 1)[-1])  # type: ignore[method-assign]
    LambdaResponse.get_function_configuration = read(  # type: ignore[method-assign]
        LambdaResponse.get_function_configuration, lambda path: path.rsplit("/", 2)[-2]
    )
