"""Authentication for the Lambda authorizer: bearer JWTs and hashed API keys (HTTP basic)."""
