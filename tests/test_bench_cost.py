"""The cost section's arithmetic (benchmarks/cost.py): billed durations, GB-seconds and dollars from a
job's usage, and what it reads from template.yaml. The figures themselves are measured, never asserted."""

import dataclasses

import pytest

from benchmarks import cost


def test_a_billed_duration_scales_cpu_to_the_memory_share_and_adds_the_waits() -> None:
    # At 512 MB a function has 512/1769 of a vCPU: 10 ms of a full core take 34.55 ms.
    assert cost.billed_ms(0.010, 0, 0, 512) == 35
    assert cost.billed_ms(0.010, 3, 0, 512) == 35 + 3 * cost.AWS_CALL_MS
    assert cost.billed_ms(0.0, 0, 2, 512) == 2 * cost.SUBSCRIBER_MS
    # A whole vCPU and more: CPU time is not made shorter than measured.
    assert cost.billed_ms(0.010, 0, 0, 3538) == 10
    assert cost.billed_ms(0.0, 0, 0, 512) == 1


def test_gb_seconds_are_billed_milliseconds_at_the_memory_size() -> None:
    assert cost.gb_seconds(1000, 1024) == 1.0
    assert cost.gb_seconds(250, 512) == pytest.approx(0.125)


def test_dollars_by_service_are_usage_times_the_price_table() -> None:
    usage = cost.Usage(
        api_requests=1_000_000,
        invocations={"A": 600_000, "B": 400_000},
        gb_seconds={"A": 1.0, "B": 2.0},
        read_units=1_000_000,
        write_units=2_000_000,
        transitions=1000,
        sqs_requests=1_000_000,
        secrets_calls=10_000,
    )

    def price(usd: float) -> cost.Price:
        return cost.Price(usd, "unit", "a page", "a day")

    prices = cost.Prices(
        api_request=price(3.5e-6),
        lambda_request=price(2e-7),
        lambda_arm_gb_second=price(0.5),
        dynamodb_read_unit=price(1e-7),
        dynamodb_write_unit=price(1e-6),
        state_transition=price(1e-5),
        sqs_request=price(4e-7),
        secrets_call=price(5e-6),
    )
    assert cost.costs(usage, prices) == pytest.approx(
        {
            "API Gateway": 3.5,
            "Lambda": 0.2 + 1.5,
            "DynamoDB": 0.1 + 2.0,
            "Step Functions": 0.01,
            "SQS": 0.4,
            "Secrets Manager": 0.05,
        }
    )


def test_the_price_table_is_per_unit_and_names_its_sources() -> None:
    for name, price in dataclasses.asdict(cost.PRICES).items():
        assert 0 < price["usd"] < 0.001, name
        assert price["source"], name
        assert price["stated"], name


def test_memory_sizes_and_the_authorizer_cache_come_from_the_template() -> None:
    sizes = cost.memory_sizes()
    assert {"ExportJobsFunction", "JobWorkflowFunction", "WebhookDeliveryFunction", "AuthorizerFunction"} <= set(sizes)
    assert all(128 <= mb <= 10_240 for mb in sizes.values())
    function, ttl = cost.authorizer_cache()
    assert function == "AuthorizerFunction"
    assert 0 <= ttl <= 3600
