"""The template's share of the security review: no secret in any function's environment, per-credential
throttling available, response capture off."""

from typing import Any

from export_api_local.environment import declared_variables
from export_api_local.template import load_template, resources_of_type


def test_no_function_environment_holds_a_secret() -> None:
    for name, value in declared_variables().items():
        assert "{{resolve:" not in str(value), name
        assert name not in {"JWT_SECRET", "CURSOR_SECRET"}, name


def test_only_the_authorizers_may_read_the_public_keys_and_no_function_the_private_key() -> None:
    template: dict[str, Any] = load_template()
    for function, properties in resources_of_type("AWS::Serverless::Function").items():
        text = str(properties.get("Policies"))
        assert "JwtSigningKey" not in text, function
        if "JwtPublicKeys" in text:
            assert function in {"AuthorizerFunction", "AdminAuthorizerFunction"}
    assert template["Resources"]["JwtPublicKeys"]["Properties"]["SecretString"] == '{"keys": []}'


def test_per_credential_throttling_is_a_waf_rule_keyed_on_the_authorization_header() -> None:
    template: dict[str, Any] = load_template()
    acl = template["Resources"]["ApiWebAcl"]
    assert acl["Condition"] == "HasPerClientRateLimit"
    assert template["Parameters"]["PerClientRateLimit"]["Default"] == 0
    (rule,) = acl["Properties"]["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "CUSTOM_KEYS"
    assert [key["Header"]["Name"] for key in statement["CustomKeys"]] == ["authorization"]
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    association = template["Resources"]["ApiWebAclAssociation"]
    assert association["Condition"] == "HasPerClientRateLimit"
