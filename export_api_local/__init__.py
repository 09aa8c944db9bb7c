"""Local tooling shared by the tests and the local server: template.yaml as the source of truth for
tables and routes, and API Gateway REST proxy events built the way API Gateway builds them."""
