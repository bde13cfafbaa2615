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


async def read_body(request: web.Request, model: type[M]) -> M:
    """The JSON body as ``model``; 400 when it is not JSON, 422 naming each bad field."""
    try:
        data = json.loads(await request.read() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="the body is not JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None
