from botocore.exceptions import BotoCoreError, ClientError

from export_api.repositories import aws


def table_problem(table_name: str, key: dict[str, str]) -> str | None:
    """None if the table answers a key read, else what went wrong (without AWS details)."""
    try:
        aws.table(table_name).get_item(Key=key)
    except (BotoCoreError, ClientError) as error:
        code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
        return f"table {table_name} is not reachable ({code})"
    return None
