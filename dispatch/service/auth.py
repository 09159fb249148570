"""Bearer tokens with two roles: dispatchers see everything, couriers their own.

Tokens live in a TOML or JSON file named by ``onehour serve --tokens`` or the
environment variable ``ONEHOUR_TOKENS``; none is built in. The file lists one
entry per token::

    [[tokens]]
    token = "a long random string"
    role = "dispatcher"

    [[tokens]]
    token = "another long random string"
    role = "courier"
    courier_id = "c7"

The JSON form is ``{"tokens": [{"token": ..., "role": ..., "courier_id": ...}]}``.
A token may be given as ``sha256:<hex digest>`` instead of in clear.
"""

import hashlib
import hmac
import json
import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator

TOKENS_ENV = "ONEHOUR_TOKENS"
MIN_TOKEN_LENGTH = 16


class Role(StrEnum):
    """What a token may do."""

    DISPATCHER = "dispatcher"
    COURIER = "courier"


class Principal(BaseModel):
    """Who is calling: a role, and for a courier which courier."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    courier_id: str | None = None

    def may_act_for(self, courier_id: str) -> bool:
        """Return whether this caller may read or report for ``courier_id``."""
        return self.role is Role.DISPATCHER or self.courier_id == courier_id


class TokenEntry(Principal):
    """One configured token and the principal it stands for."""

    token: str = Field(min_length=MIN_TOKEN_LENGTH, repr=False)

    @model_validator(mode="after")
    def _check_courier(self) -> "TokenEntry":
        if self.role is Role.COURIER and not self.courier_id:
            raise ValueError("a courier token needs courier_id")
        if self.role is Role.DISPATCHER and self.courier_id:
            raise ValueError(
                f"a dispatcher token has no courier_id (got {self.courier_id!r})"
            )
        return self

    def principal(self) -> Principal:
        """Return the principal without the secret."""
        return Principal(role=self.role, courier_id=self.courier_id)


class Tokens(BaseModel):
    """The configured tokens; look callers up with :meth:`authenticate`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tokens: tuple[TokenEntry, ...] = Field(min_length=1)

    @classmethod
    def from_file(cls, path: Path) -> "Tokens":
        """Load tokens from a ``.toml`` or ``.json`` file.

        Raises
        ------
        ValueError
            When the file has another suffix or an entry is invalid.
        """
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            return cls.model_validate(tomllib.loads(text))
        if path.suffix == ".json":
            return cls.model_validate(json.loads(text))
        raise ValueError(f"tokens file {path} must end in .toml or .json")

    @classmethod
    def from_env(cls) -> "Tokens | None":
        """Load the file named by ``ONEHOUR_TOKENS``, or return ``None``."""
        path = os.environ.get(TOKENS_ENV)
        return cls.from_file(Path(path)) if path else None

    def authenticate(self, presented: str) -> Principal | None:
        """Return the principal of a presented token, or ``None``.

        Every entry is compared in constant time, so timing reveals nothing.
        """
        digest = hashlib.sha256(presented.encode()).hexdigest()
        found = None
        for entry in self.tokens:
            expected = entry.token
            candidate = presented
            if expected.startswith("sha256:"):
                expected, candidate = expected.removeprefix("sha256:"), digest
            if hmac.compare_digest(expected.encode(), candidate.encode()):
                found = entry.principal()
        return found


_bearer = HTTPBearer(auto_error=False, description="A token from the tokens file.")


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Resolve the caller from the ``Authorization: Bearer`` header (401 if not)."""
    tokens: Tokens = request.app.state.tokens
    found = tokens.authenticate(credentials.credentials) if credentials else None
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


async def dispatcher(caller: Annotated[Principal, Depends(principal)]) -> Principal:
    """Allow dispatchers only (403 for couriers)."""
    if caller.role is not Role.DISPATCHER:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="dispatchers only")
    return caller


async def for_courier(
    courier_id: str, caller: Annotated[Principal, Depends(principal)]
) -> Principal:
    """Allow dispatchers, and the courier named in the path (403 otherwise)."""
    if not caller.may_act_for(courier_id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"this token may not act for courier {courier_id!r}",
        )
    return caller


Caller = Annotated[Principal, Depends(principal)]
DispatcherOnly = Annotated[Principal, Depends(dispatcher)]
CourierSelf = Annotated[Principal, Depends(for_courier)]
