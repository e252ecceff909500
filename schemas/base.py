"""The base of every model a published file is written from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Published(BaseModel):
    """A model of a published file: each field's docstring is its description in the JSON
    Schema that releases carry (`schema/*.json`), so a field is explained where it is declared."""

    model_config = ConfigDict(use_attribute_docstrings=True)
