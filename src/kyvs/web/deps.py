"""FastAPI dependencies: the container's services and the authenticated provider."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader

from kyvs.bootstrap import Container
from kyvs.domain.clients import Client
from kyvs.domain.providers import Provider
from kyvs.i18n import negotiate_language
from kyvs.services.verification import Verifier


def container(request: Request) -> Container:
    """The process's wired dependencies."""
    wired: Container = request.app.state.container
    return wired


# Dependencies are coroutines: FastAPI runs a plain `def` dependency in a worker thread.
async def wired_container(request: Request) -> Container:
    """The process's wired dependencies, as a FastAPI dependency."""
    return container(request)


async def verifier(request: Request) -> Verifier:
    """The verification use cases."""
    return container(request).verifier


# A security scheme (not a plain header) so the OpenAPI document says which calls need a key.
API_KEY = APIKeyHeader(
    name="X-Api-Key",
    scheme_name="ApiKey",
    description="The provider's API key: `kyvs_<key id>_<secret>`.",
    auto_error=False,  # a missing key is our own 401 problem, not FastAPI's
)


async def current_provider(
    request: Request, x_api_key: Annotated[str | None, Depends(API_KEY)]
) -> Provider:
    """The provider whose API key came with the request (401/403 problem otherwise)."""
    provider = await container(request).authenticator.authenticate(x_api_key)
    request.state.provider_id = provider.provider_id
    return provider


CHALLENGE_HEADER = "Kyvs-Challenge"


def client_of(request: Request, solution: str | None = None) -> Client:
    """The sender of an anonymous request: the connection's address (uvicorn puts the
    proxy's client there when `KYVS_FORWARDED_ALLOW_IPS` trusts the proxy) and the challenge
    solution it sent (the API's `Kyvs-Challenge` header, or a page's form field)."""
    address = request.client.host if request.client else "unknown"
    return Client(address, solution or None)


async def anonymous_client(
    request: Request,
    kyvs_challenge: Annotated[
        str | None,
        Header(
            alias=CHALLENGE_HEADER,
            max_length=4096,
            description="A solved proof-of-work challenge (base64 JSON, ALTCHA's format), "
            "needed only after a `403 challenge-required` answer.",
        ),
    ] = None,
) -> Client:
    """The anonymous caller (see `client_of`)."""
    return client_of(request, kyvs_challenge)


AnonymousClient = Annotated[Client, Depends(anonymous_client)]


async def language(
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    """The language the caller prefers, from `Accept-Language` (default English)."""
    return negotiate_language(accept_language)


VerifierDep = Annotated[Verifier, Depends(verifier)]
CurrentProvider = Annotated[Provider, Depends(current_provider)]
HeaderLanguage = Annotated[str, Depends(language)]
