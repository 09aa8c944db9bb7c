"""The template's share of the security review: no secret in any function's environment, per-credential
throttling available, response capture off."""

import json
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


def _rules() -> dict[str, tuple[str, dict[str, Any]]]:
    """The web ACL's rules by name, each with the condition that includes it."""
    acl = load_template()["Resources"]["ApiWebAcl"]
    rules = {}
    for entry in acl["Properties"]["Rules"]:
        condition, rule, otherwise = entry["Fn::If"]
        assert otherwise == {"Ref": "AWS::NoValue"}
        rules[rule["Name"]] = (condition, rule)
    return rules


def test_per_credential_throttling_is_a_waf_rule_keyed_on_the_authorization_header() -> None:
    template: dict[str, Any] = load_template()
    assert template["Parameters"]["PerClientRateLimit"]["Default"] == 0
    condition, rule = _rules()["per-credential-rate"]
    assert condition == "HasPerClientRateLimit"
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "CUSTOM_KEYS"
    assert [key["Header"]["Name"] for key in statement["CustomKeys"]] == ["authorization"]
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429


def test_requests_without_a_credential_or_with_made_up_ones_are_counted_by_address() -> None:
    """A rate rule keyed on a header counts no request without it, and gives each made-up credential a
    budget of its own: two rules keyed on the client's address, on by default, count those."""
    template: dict[str, Any] = load_template()
    rules = _rules()
    anonymous_condition, anonymous = rules["anonymous-per-ip-rate"]
    statement = anonymous["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    # Scoped to requests that have no Authorization header at all.
    scope = statement["ScopeDownStatement"]["NotStatement"]["Statement"]["SizeConstraintStatement"]
    assert scope["FieldToMatch"] == {"SingleHeader": {"Name": "authorization"}}
    assert (scope["ComparisonOperator"], scope["Size"]) == ("GE", 0)
    per_ip_condition, per_ip = rules["per-ip-rate"]
    assert per_ip["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert "ScopeDownStatement" not in per_ip["Statement"]["RateBasedStatement"]
    for rule in (anonymous, per_ip):
        assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    parameters = template["Parameters"]
    assert parameters["AnonymousRateLimit"]["Default"] > 0
    assert parameters["PerIpRateLimit"]["Default"] > parameters["AnonymousRateLimit"]["Default"]
    # The ACL and its association exist whenever one of the rules is on: by default, then.
    conditions = template["Conditions"]["HasWebAcl"]["Fn::Or"]
    assert {c["Condition"] for c in conditions} == {"HasPerClientRateLimit", anonymous_condition, per_ip_condition}
    assert template["Resources"]["ApiWebAcl"]["Condition"] == "HasWebAcl"
    assert template["Resources"]["ApiWebAclAssociation"]["Condition"] == "HasWebAcl"
    # Each answer is the contract's error shape.
    bodies = template["Resources"]["ApiWebAcl"]["Properties"]["CustomResponseBodies"]
    for rule in (anonymous, per_ip):
        key = rule["Action"]["Block"]["CustomResponse"]["CustomResponseBodyKey"]
        assert json.loads(bodies[key]["Content"])["type"] == "TOO_MANY_REQUESTS"
