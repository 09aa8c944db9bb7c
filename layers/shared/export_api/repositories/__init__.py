"""The only code that calls AWS (DynamoDB, Step Functions). Everything above works in domain models."""
