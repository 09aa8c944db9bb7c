"""Field types the admin API's bodies share (accounting entries and accounting settings)."""

from typing import Annotated

from pydantic import BeforeValidator, Field

from export_api.models.codes import CURRENCIES

Text = Annotated[str, Field(min_length=1, max_length=1000)]
Code = Annotated[str, Field(min_length=1, max_length=200)]


def _three_letter_currency(value: object) -> object:
    if isinstance(value, str) and (value not in CURRENCIES or len(value) != 3):
        raise ValueError(f"'{value[:12]}' is not a 3-letter ISO 4217 currency code (e.g. DKK)")
    return value


ThreeLetterCurrency = Annotated[str, BeforeValidator(_three_letter_currency)]
