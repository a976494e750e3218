"""How the OpenAPI schema describes our authentication (drf-spectacular extension)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "clearrecord.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (Account → API tokens), sent as "
            "`Authorization: Bearer <token>`.",
        }


#: statuses every API operation may answer besides its own (documented once, here)
ERROR_STATUSES = {
    "400": "The request is invalid (the body names the field or the reason).",
    "401": "No or an invalid Bearer token.",
    "403": "The role may not do this.",
    "404": "No such object in the user's county.",
    "405": "Method not allowed.",
    "409": "The conviction changed or the step is not allowed from its current state.",
    "415": "Unsupported media type.",
    "429": "Too many requests: try again later.",
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation documents the error answers.

    Errors are JSON objects: `detail` (plain words) and, for domain errors, `error` and more
    (see `clearrecord.review.api.exception_handler`); a validation error names its fields.
    """
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "error": {"type": "string"}},
        "additionalProperties": True,
    }
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_STATUSES.items():
                responses.setdefault(code, {"description": description, "content": content})
    return result
