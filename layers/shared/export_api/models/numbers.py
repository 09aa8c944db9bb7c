"""Decimals that travel as JSON numbers."""

from decimal import Decimal

from pydantic import PlainSerializer


def _json_number(value: Decimal) -> float:
    # A function of ours, not `float`: pydantic reads a serializer's signature, and a builtin's is parsed
    # from its text with Python's tokenizer, whose first use compiles its regular expressions (a few ms).
    return float(value)


#: A decimal (a tax rate's fraction) serialized as a JSON number (0.25), not as pydantic's decimal string.
AS_JSON_NUMBER = PlainSerializer(_json_number, return_type=float, when_used="json")
