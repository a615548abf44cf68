"""moto lists its CloudFormation resource models once (cached): a model added here must clear that list."""

from __future__ import annotations


def models_added() -> None:
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
