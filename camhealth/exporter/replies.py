"""The API's JSON bodies in and out: one reader that names the bad field, one error shape."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def error_response(
    exc: web.HTTPException, details: list[dict[str, str]] | None = None
) -> web.Response:
    """``{"error": reason, "status": code}`` (plus ``details``), keeping the exception's headers."""
    body: dict[str, Any] = {"error": exc.reason, "status": exc.status}
    if details:
        body["details"] = details
    headers = {
        k: v for k, v in exc.headers.items() if k.lower() not in ("content-type", "content-length")
    }
    return web.json_response(body, status=exc.status, headers=headers)


class InvalidInput(web.HTTPUnprocessableEntity):
    """422 with one ``{"field", "message"}`` per problem; values are never echoed back."""

    def __init__(self, details: list[dict[str, str]]) -> None:
        super().__init__(reason="invalid input")
        self.details = details


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    return [
        {
            "field": prefix + ".".join(str(part) for part in err["loc"]) or "(body)",
            "message": "unknown field" if err["type"] == "extra_forbidden" else str(err["msg"]),
        }
        for err in exc.errors()
    ]


async def read_json(request: web.Request) -> Any:
    """The JSON body; 400 when it is not JSON."""
    try:
        return json.loads(await request.read() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="the body is not JSON") from None


async def read_body(request: web.Request, model: type[M]) -> M:
    """The JSON body as ``model``; 400 when it is not JSON, 422 naming each bad field."""
    data = await read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string as ``model``; 422 naming each bad parameter."""
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None


def check_json_types(model: type[BaseModel], data: dict[str, Any]) -> None:
    """422 for a field whose JSON type its schema does not allow (``false`` for a longitude).

    pydantic's lax mode would convert such values, and its strict mode cannot be used for
    records that rewrite their input first (``CameraRecord`` moves URL credentials).
    """
    properties = model.model_json_schema()["properties"]
    details = [
        {"field": name, "message": f"must be of JSON type {' or '.join(sorted(allowed))}"}
        for name, value in data.items()
        if (allowed := _json_types(properties.get(name, {}))) and _json_type(value) not in allowed
    ]
    if details:
        raise InvalidInput(details)


def _json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a property allows; empty when its schema does not say (no check)."""
    options = schema.get("anyOf", [schema])
    if any("type" not in option for option in options):
        return set()
    found = {option["type"] for option in options}
    return found | {"integer"} if "number" in found else found


def _json_type(value: Any) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "boolean"),
        (int, "integer"),
        (float, "number"),
        (str, "string"),
        (list, "array"),
        (dict, "object"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), "null")
