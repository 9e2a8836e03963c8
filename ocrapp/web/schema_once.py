"""Request models whose JSON schema is made once: flask-openapi3 asks for it on every request."""

import copy
from functools import cache

from pydantic import BaseModel


class SchemaOnce(BaseModel):
    """A model whose default JSON schema is generated once, and copied for each caller."""

    @classmethod
    def model_json_schema(cls, *args, **kwargs) -> dict:
        """The model's JSON schema; with no arguments (a request's validation), from memory."""
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(_default_schema(cls))


@cache
def _default_schema(model: type[SchemaOnce]) -> dict:
    return super(SchemaOnce, model).model_json_schema()
