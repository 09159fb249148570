"""The HTTP service around a live dispatcher: FastAPI app, auth, stream, map."""

from dispatch.service.app import create_app
from dispatch.service.auth import Principal, Role, Tokens
from dispatch.service.runtime import DispatchRuntime, ServiceSettings

__all__ = [
    "DispatchRuntime",
    "Principal",
    "Role",
    "ServiceSettings",
    "Tokens",
    "create_app",
]
