"""Lambda: CreateAlias for an alias that exists fails with ``ResourceConflictException``, as on AWS.

moto names the error ``ConflictException``, a code Lambda never answers: a boto3 deploy that creates
the alias and falls back to update_alias on ``client.exceptions.ResourceConflictException`` (AWS's
documented error for it) would crash here and work on AWS. The message is AWS's, and moto's already:
"Alias already exists: <alias ARN>".
"""

from __future__ import annotations


def apply() -> None:
    from moto.awslambda import models
    from moto.awslambda.exceptions import LambdaClientError

    class AliasExists(LambdaClientError):
        code = 409

        def __init__(self, message: str) -> None:
            super().__init__("ResourceConflictException", message)

    models.ConflictException = AliasExists  # type: ignore[misc,assignment]  # only CreateAlias raises it
