"""The HTTP API under `/api`: authentication, routes, request and response schemas, errors."""
