"""The secrets the functions read at run time, made for a benchmark run in moto (nothing checked in)."""

import json
import os
import secrets

import boto3
from export_api.settings import get_settings

from export_api_local.tokens import TokenSigner, generate_key_pair

PRIVATE_JWK, PUBLIC_JWK = generate_key_pair("benchmark-1")


def create_secrets() -> None:
    client = boto3.client("secretsmanager")
    client.create_secret(Name=os.environ["CURSOR_SECRET_ARN"], SecretString=secrets.token_urlsafe(36))
    client.create_secret(Name=os.environ["JWT_PUBLIC_KEYS_ARN"], SecretString=json.dumps({"keys": [PUBLIC_JWK]}))


def signer() -> TokenSigner:
    settings = get_settings()
    return TokenSigner(PRIVATE_JWK, settings.jwt_issuer, settings.jwt_audience)
