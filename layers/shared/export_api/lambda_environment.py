"""What Lambda's environment variables say about this process (export_api.bootstrap asks)."""

import os


def on_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def in_lambda_init() -> bool:
    """Whether this process is a Lambda execution environment's (Lambda sets this for its init phase)."""
    return bool(os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"))


def in_snapstart_init() -> bool:
    """Whether this init will be snapshotted (SnapStart): nothing secret may be read into it."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"
