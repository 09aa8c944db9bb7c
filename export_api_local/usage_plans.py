"""API Gateway's usage plans and AWS WAF's anonymous rate rule, as `make run`'s gateway enforces them.

- `provision(...)` makes template.yaml's usage plans (`AWS::ApiGateway::UsagePlan`) in the emulator, their
  rates, bursts and quotas read from the template's parameters (a value given here wins), so AdminFunction
  puts each company's key on one as it does on AWS.
- `UsagePlanMeter` meters a request by the key the authorizer named (`usageIdentifierKey`): a token bucket
  per key (the plan's rate and burst) and a count per UTC day (its quota), and answers what API Gateway
  answers past them: THROTTLED, QUOTA_EXCEEDED, or INVALID_API_KEY for a key on no plan.
- `AnonymousRateLimit` counts requests without an Authorization header per source address in 5-minute
  windows, as the WAF rule `anonymous-per-ip-rate` does.
"""

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from export_api_local.template import load_template, resources_of_type

WINDOW_SECONDS = 300


def template_parameters(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every template parameter's default, overridden by `overrides`."""
    declared = load_template().get("Parameters") or {}
    values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
    return {**values, **dict(overrides or {})}


def _resolve(value: Any, parameters: Mapping[str, str], stack_name: str) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return parameters[str(value["Ref"])]
    if isinstance(value, dict) and "Fn::Sub" in value:
        return str(value["Fn::Sub"]).replace("${AWS::StackName}", stack_name)
    return str(value)


def provision(apigateway: Any, stack_name: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """template.yaml's usage plans in the emulator (made again only if missing, by name): logical id -> id."""
    parameters = template_parameters(overrides)
    existing = {plan["name"]: plan["id"] for plan in apigateway.get_usage_plans().get("items", [])}
    ids = {}
    for logical_id, properties in resources_of_type("AWS::ApiGateway::UsagePlan").items():
        name = _resolve(properties.get("UsagePlanName", f"{stack_name}-{logical_id}"), parameters, stack_name)
        throttle = properties.get("Throttle") or {}
        quota = properties.get("Quota") or {}
        if name not in existing:
            existing[name] = apigateway.create_usage_plan(
                name=name,
                description=str(properties.get("Description", "")),
                throttle={
                    "rateLimit": float(_resolve(throttle["RateLimit"], parameters, stack_name)),
                    "burstLimit": int(_resolve(throttle["BurstLimit"], parameters, stack_name)),
                },
                quota={"limit": int(_resolve(quota["Limit"], parameters, stack_name)), "period": str(quota["Period"])},
            )["id"]
        ids[logical_id] = str(existing[name])
    return ids


@dataclass(frozen=True)
class Plan:
    rate: float
    burst: int
    daily_quota: int


@dataclass
class _Bucket:
    tokens: float
    refilled: float
    day: str = ""
    used_today: int = 0


@dataclass
class UsagePlanMeter:
    """Meters requests per usage key, by the plan the key is on in the emulator (looked up again every
    `refresh_seconds`, so a company moved to another tier is metered by it within that time)."""

    apigateway: Any
    refresh_seconds: float = 1.0
    clock: Callable[[], float] = time.monotonic
    today: Callable[[], str] = field(default=lambda: datetime.now(UTC).date().isoformat())
    _plans: dict[str, tuple[float, Plan | None]] = field(default_factory=dict, repr=False)
    _buckets: dict[str, _Bucket] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _plan(self, key_value: str) -> Plan | None:
        now = self.clock()
        cached = self._plans.get(key_value)
        if cached is not None and now - cached[0] < self.refresh_seconds:
            return cached[1]
        plan = None
        keys = self.apigateway.get_api_keys(includeValues=True).get("items", [])
        key = next((k for k in keys if k.get("value") == key_value and k.get("enabled", True)), None)
        if key is not None:
            plans = self.apigateway.get_usage_plans(keyId=key["id"]).get("items", [])
            if plans:
                throttle, quota = plans[0].get("throttle") or {}, plans[0].get("quota") or {}
                plan = Plan(float(throttle["rateLimit"]), int(throttle["burstLimit"]), int(quota["limit"]))
        self._plans[key_value] = (now, plan)
        return plan

    def refusal(self, key_value: str | None) -> str | None:
        """None if the request may go on; else the gateway response API Gateway answers instead."""
        plan = self._plan(key_value) if key_value else None
        if key_value is None or plan is None:
            return "INVALID_API_KEY"
        with self._lock:
            now, today = self.clock(), self.today()
            bucket = self._buckets.setdefault(key_value, _Bucket(tokens=float(plan.burst), refilled=now))
            bucket.tokens = min(float(plan.burst), bucket.tokens + (now - bucket.refilled) * plan.rate)
            bucket.refilled = now
            if bucket.tokens < 1:
                return "THROTTLED"
            if bucket.day != today:
                bucket.day, bucket.used_today = today, 0
            if bucket.used_today >= plan.daily_quota:
                return "QUOTA_EXCEEDED"
            bucket.tokens -= 1
            bucket.used_today += 1
            return None


@dataclass
class AnonymousRateLimit:
    """Requests without an Authorization header, per source address and 5-minute window."""

    limit: int
    clock: Callable[[], float] = time.time
    _counts: dict[tuple[str, int], int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allows(self, source_ip: str) -> bool:
        if self.limit <= 0:
            return True
        window = int(self.clock()) // WINDOW_SECONDS
        with self._lock:
            for stale in [k for k in self._counts if k[1] != window]:
                del self._counts[stale]
            count = self._counts.get((source_ip, window), 0) + 1
            self._counts[(source_ip, window)] = count
        return count <= self.limit


def waf_block_body(body_key: str = "too-many-requests-from-address") -> bytes:
    """The body template.yaml's web ACL answers a blocked request with."""
    acl = resources_of_type("AWS::WAFv2::WebACL")
    for properties in acl.values():
        content = ((properties.get("CustomResponseBodies") or {}).get(body_key) or {}).get("Content")
        if content:
            return json.dumps(json.loads(str(content)), separators=(",", ":")).encode()
    return b'{"type":"TOO_MANY_REQUESTS","message":"Too many requests from this address; retry later."}'
