"""The client's models are generated from the contract (datamodel-code-generator, configured in
clients/python/pyproject.toml): regenerating them changes nothing, and every schema has its model."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from export_api_client import models
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "python"
CONTRACT = ROOT / "spec" / "export-api.openapi.yaml"


def test_the_committed_models_are_what_the_generator_makes_of_the_contract(tmp_path: Path) -> None:
    generator = Path(sys.executable).with_name("datamodel-codegen")
    if not generator.exists():
        pytest.fail("datamodel-code-generator is part of the dev install (make install)")
    output = tmp_path / "models.py"
    # As `make client-models`: generate, then ruff with the repository's settings.
    subprocess.run(
        [str(generator), "--output", str(output)],
        cwd=CLIENT,
        check=True,
        capture_output=True,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
    )
    ruff = [str(Path(sys.executable).with_name("ruff")), "--config", str(ROOT / "pyproject.toml")]
    for step in (["format"], ["check", "--fix"], ["format"]):
        subprocess.run([*ruff[:1], *step, *ruff[1:], "--quiet", str(output)], check=True)
    committed = (CLIENT / "export_api_client" / "models.py").read_text()
    assert output.read_text() == committed, "run `make client-models` and commit export_api_client/models.py"


def test_every_schema_of_the_contract_has_a_model_or_is_inlined_as_a_literal() -> None:
    schemas = yaml.safe_load(CONTRACT.read_text())["components"]["schemas"]
    for name, schema in schemas.items():
        if "enum" in schema:  # collapsed into Literal[...] on the fields that use it
            continue
        model = getattr(models, name, None)
        assert isinstance(model, type), name
        assert issubclass(model, BaseModel), name
        if schema.get("properties"):
            wire_names = {field.alias or field_name for field_name, field in model.model_fields.items()}
            assert wire_names == set(schema["properties"]), name


def test_a_published_v3_export_item_parses() -> None:
    money = {"currency": "DKK", "value": 12500}
    amount = {"inSupplierCurrency": money, "inWalletCurrency": money}
    item = models.ExportItemV3.model_validate(
        {
            "_links": {},
            "accountingEntryId": "3f0e5b1c-2d4a-4b6c-8e9f-0a1b2c3d4e5f",
            "accountingEntryLines": [
                {
                    "accountingEntryLineId": "4f0e5b1c-2d4a-4b6c-8e9f-0a1b2c3d4e5f",
                    "lineAmount": amount,
                    "netAmount": {"inSupplierCurrency": {**money, "value": 10000}, "inWalletCurrency": money},
                    "account": {"id": "5f0e5b1c-2d4a-4b6c-8e9f-0a1b2c3d4e5f", "name": "Meals", "code": "6100"},
                    "tax": {
                        "id": "6f0e5b1c-2d4a-4b6c-8e9f-0a1b2c3d4e5f",
                        "rate": 0.25,
                        "type": "inclusive",
                        "amount": amount,
                        "ingoingTaxAccount": "6601",
                    },
                }
            ],
            "additionalInformation": {"reconciliationId": "BOOK-000001"},
            "amount": amount,
            "companyId": "7f0e5b1c-2d4a-4b6c-8e9f-0a1b2c3d4e5f",
            "date": "2026-10-01T09:00:00Z",
            "type": "card_purchase",
            "contraAccount": {"id": "8f0e5b1c-2d4a-4b6c-8e9f-0a1b2c3d4e5f", "name": "Pleo DKK", "code": "5820"},
        }
    )
    (line,) = item.accounting_entry_lines
    assert line.tax is not None
    assert line.tax.ingoing_tax_account == "6601"
    assert item.contra_account is not None
    assert item.contra_account.code == "5820"
    assert item.amount.in_wallet_currency.value == 12500
