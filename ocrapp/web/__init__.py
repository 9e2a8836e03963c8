"""The HTTP API under `/api`: authentication, routes, request and response schemas, errors,
and the OpenAPI document made from them, served at `/openapi.json` and read at `/docs`.
"""
