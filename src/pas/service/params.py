"""What every router checks at the edge: ids in range, printable names, finite JSON numbers.

Python's `json` module reads `NaN` and `Infinity`, which are not JSON (RFC 8259):
the routers' `StrictJsonRoute` refuses them with a 422 before a body model sees
them, and `Body` models refuse them when they come as strings ("NaN").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pas.core import limits

#: a stored row's id in a path: 1..2^63-1 (a larger one is a 422, never a database error)
PathId = Annotated[int, Path(ge=1, le=limits.MAX_ID, description="id, 1..2^63-1")]
#: an optional id filter in a query string
QueryId = Annotated[int | None, Query(ge=1, le=limits.MAX_ID, description="id, 1..2^63-1")]
#: an id inside a JSON body
BodyId = Annotated[int, Field(ge=1, le=limits.MAX_ID, description="id, 1..2^63-1")]
#: a name (sleeve, strategy, key, run): 1..MAX_NAME printable characters
Name = Annotated[
    str,
    Field(min_length=1, max_length=limits.MAX_NAME, description="printable text, 1..64 chars"),
    AfterValidator(limits.check_name),
]


class Body(BaseModel):
    """A request body: unknown fields refused, numbers finite (no "NaN", "Infinity")."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


_NOT_JSON = {"NaN", "Infinity", "-Infinity"}


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


class StrictJsonRequest(Request):
    """A request whose JSON body may hold finite numbers only."""

    async def json(self) -> Any:
        """Return the parsed body; JSONDecodeError (a 422) for NaN or Infinity."""
        if not hasattr(self, "_json"):
            text = (await self.body()).decode("utf-8", errors="replace")
            try:
                self._json = json.loads(text, parse_constant=_refuse_constant)
            except ValueError as exc:
                if isinstance(exc, json.JSONDecodeError) or str(exc) not in _NOT_JSON:
                    raise
                message = f"{exc} is not a JSON number: numbers must be finite"
                raise json.JSONDecodeError(message, text, max(text.find(str(exc)), 0)) from None
        return self._json


class StrictJsonRoute(APIRoute):
    """A route that reads its body with `StrictJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Return the route's handler, reading JSON strictly."""
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
