"""What the embedded backend's own CloudFormation resource models share.

moto finds resource models as the direct subclasses of its ``CloudFormationModel`` and caches that list
on first use; a model here is ``class X(MadeByStack, CloudFormationModel)`` and ``models_added()`` clears
the cache. A model with a name property says which (``cloudformation_name_type``): moto then passes that
name, or stack-LogicalId-RANDOM when the template gives none. A model makes its resource through the
service's moto backend (so the service's API sees it), remembers its physical id (what ``Ref`` answers)
and its ``Fn::GetAtt`` attributes.
"""

from __future__ import annotations

from typing import Any


def models_added() -> None:
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


class MadeByStack:
    """Mixin: a resource a stack made; subclasses say how to ``make`` and ``remove`` it."""

    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, physical_id: str, account_id: str, region: str, attributes: dict[str, Any] | None = None):
        self.physical_id, self.account_id, self.region = physical_id, account_id, region
        self.attributes = attributes or {}

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name in self.ATTRIBUTES and attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    @classmethod
    def make(cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str) -> MadeByStack:
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> MadeByStack:
        return cls.make(resource_name, cloudformation_json.get("Properties", {}), account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: MadeByStack,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> MadeByStack:
        """By default a replacement (the old one goes first: a fixed name stays free for the new one)."""
        original_resource.remove()
        return cls.make(new_resource_name, cloudformation_json.get("Properties", {}), account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        """Unused: the stack deletes through the instance it keeps (``delete``)."""

    def delete(self, account_id: str, region: str) -> None:
        self.remove()
