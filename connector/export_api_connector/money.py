"""Minor units to amounts: the Export API sends money as integers in the currency's minor unit
(896.96 SEK is 89696); how many decimals that is depends on the currency (ISO 4217)."""

from decimal import Decimal

# ISO 4217 currencies whose minor unit is not a hundredth.
_EXPONENTS = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def from_minor_units(value: float | int, currency: str) -> Decimal:
    """89696 SEK -> Decimal('896.96'); an amount that is not whole minor units is refused."""
    units = Decimal(str(value))
    if units != units.to_integral_value():
        raise ValueError(f"{value} {currency} is not a whole number of minor units")
    places = exponent(currency)
    return (units.scaleb(-places)).quantize(Decimal(1).scaleb(-places))
