"""CloudFormation: an ``AWS::DynamoDB::Table`` whose properties change is updated as on AWS.

moto's Table model has no update: a changed table was dropped from the stack (a Ref to it then answered
None) while the old table stayed as it was. Here a new key schema replaces the table (a new, empty
table, the old one deleted: its items are gone, as on AWS), which CloudFormation refuses for a table
with a fixed ``TableName``; billing mode, throughput, stream and deletion protection change in place.
"""

from __future__ import annotations

from typing import Any

CUSTOM_NAME = (
    "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
    "Rename {name} and update the stack again."
)


def apply() -> None:
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table

    def update_table(
        cls: type,
        original_resource: Table,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Table:
        properties = cloudformation_json["Properties"]
        backend = dynamodb_backends[account_id][region_name]
        fixed_name = properties.get("TableName")
        if properties.get("KeySchema") != original_resource.schema or fixed_name not in (None, original_resource.name):
            if fixed_name == original_resource.name:
                raise ValueError(CUSTOM_NAME.format(name=fixed_name))
            replacement = Table.create_from_cloudformation_json(
                fixed_name or new_resource_name, cloudformation_json, account_id, region_name
            )
            backend.delete_table(original_resource.name)
            return replacement
        billing_mode = "PAY_PER_REQUEST" if properties.get("BillingMode") == "PAY_PER_REQUEST" else "PROVISIONED"
        return backend.update_table(
            name=original_resource.name,
            attr_definitions=properties.get("AttributeDefinitions"),
            global_index=[],
            throughput=properties.get("ProvisionedThroughput"),
            billing_mode=billing_mode,
            stream_spec=properties.get("StreamSpecification"),
            deletion_protection_enabled=properties.get("DeletionProtectionEnabled"),
            warm_throughput=None,
        )

    Table.update_from_cloudformation_json = classmethod(update_table)  # type: ignore[assignment]
