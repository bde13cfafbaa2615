"""/api/v1/openapi.json: the OpenAPI 3.1 document, made from the API's table of operations.

Parameters, bodies and answers are the JSON Schemas of the very pydantic models the handlers
use (pydantic writes JSON Schema 2020-12, which is what OpenAPI 3.1 speaks).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from camhealth import __version__
from camhealth.camera_registry.records import ID_PATTERN
from camhealth.exporter import api, auth
from camhealth.exporter.api_models import Error

_REF = "#/components/schemas/{model}"
_ERRORS = {
    "400": "Malformed request",
    "401": "Login needed",
    "403": "Role too low, or a missing/wrong CSRF token",
    "404": "Not found",
    "413": "Request too large",
    "422": "Invalid input; each problem names its field",
    "429": "Too many failed logins: wait Retry-After seconds",
    "503": "Not available yet (no Snapshot) or not configured (no store)",
}
_PATH_PARAMETERS = {
    "camera": {"type": "string", "pattern": ID_PATTERN},
    "area": {"type": "string", "pattern": ID_PATTERN},
    "ref": {"type": "string", "maxLength": 120, "description": "CAMERA_ID@ISO-TIME"},
}


class _Schemas:
    """Collects the components while the paths refer to them."""

    def __init__(self) -> None:
        self.found: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, str]:
        self.found[model.__name__] = self._schema(model, mode)
        return {"$ref": _REF.format(model=model.__name__)}

    def _schema(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]
        self.found.update(schema.pop("$defs", {}))
        return schema

    def body(self, model: type[BaseModel]) -> dict[str, str]:
        """A record as a request body: its ``id`` may be left out (the path names it)."""
        schema = self._schema(model, "validation")
        schema["required"] = [name for name in schema.get("required", ()) if name != "id"]
        name = f"{model.__name__}Input"
        self.found[name] = schema
        return {"$ref": _REF.format(model=name)}

    def parameters(self, model: type[BaseModel]) -> list[dict[str, Any]]:
        schema = self._schema(model, "validation")
        required = set(schema.get("required", ()))
        return [
            {"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema["properties"].items()
        ]


def _answer(schemas: _Schemas, answer: type[BaseModel] | str) -> dict[str, Any]:
    if isinstance(answer, str):
        return {answer: {"schema": {"type": "string", "format": "binary"}}}
    return {"application/json": {"schema": schemas.ref(answer, "serialization")}}


def _operation(schemas: _Schemas, op: api.Operation) -> dict[str, Any]:
    ok = {"description": "OK", "content": _answer(schemas, op.answer)}
    responses: dict[str, Any] = {"200": ok}
    if op.method == "PUT":
        responses["201"] = {"description": "Created", "content": ok["content"]}
    error = {"application/json": {"schema": schemas.ref(Error, "serialization")}}
    responses.update(
        {code: {"description": text, "content": error} for code, text in _ERRORS.items()}
    )
    found: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.handler.__name__,
        "responses": responses,
        "x-role": op.role.value,
    }
    names = [part[1:-1] for part in op.path.split("/") if part.startswith("{")]
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _PATH_PARAMETERS[name]}
        for name in names
    ]
    if op.query is not None:
        parameters += schemas.parameters(op.query)
    if parameters:
        found["parameters"] = parameters
    if op.body is not None:
        schema = schemas.body(op.body)
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    return found


_AUTH_OPERATIONS = (
    api.Operation(
        "POST",
        "/api/v1/login",
        auth.login_handler,
        "Log in: a session cookie and its CSRF token",
        body=auth.Login,
        answer=auth.Me,
    ),
    api.Operation("GET", "/api/v1/me", auth.me_handler, "Who is logged in", answer=auth.Me),
)


@cache
def document() -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in (*_AUTH_OPERATIONS, *api.OPERATIONS):
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(schemas, op)
    paths["/api/v1/login"]["post"]["security"] = []
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "camhealth API",
            "version": __version__,
            "description": "Cameras, areas, the L4P4/L4P5/L4P6 indicators, events and pictures. "
            "Log in (cookie + X-CSRF-Token for changes) or send Authorization: Bearer TOKEN.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.found,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": auth.COOKIE},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }


@auth.public
async def openapi_handler(request: web.Request) -> web.Response:
    return web.json_response(document())


def add_route(app: web.Application) -> None:
    app.router.add_get("/api/v1/openapi.json", openapi_handler)
