"""Where TerraHub is and who you are: from the environment a TerraHub server gives every user process
(TERRAHUB_URL, TERRAHUB_TOKEN, AWS_ENDPOINT_URL, ...), or set explicitly with ``terrahub.configure``."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Optional


class TerraHubClientError(Exception):
    """A TerraHub API call failed; the message is the server's own (code and message)."""

    def __init__(self, message: str, status: Optional[int] = None, code: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Settings:
    url: str
    token: Optional[str]
    s3_url: Optional[str]
    access_key_id: Optional[str]
    secret_access_key: Optional[str]
    region: str

    @property
    def stac_url(self) -> str:
        return f"{self.url}/api/stac/v1"

    @property
    def sas_url(self) -> str:
        return f"{self.url}/api/sas/v1"

    def auth_headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


_override: dict = {}


def configure(**kw) -> None:
    """Overrides settings for this process: url, token, s3_url, access_key_id, secret_access_key, region.

    Outside a TerraHub server (on a laptop), ``terrahub.configure(url="https://hub.example.org",
    token="th_...")`` is all that is needed; the S3 endpoint and keys are then fetched from the hub API.
    """
    unknown = set(kw) - {"url", "token", "s3_url", "access_key_id", "secret_access_key", "region"}
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    _override.update({k: v for k, v in kw.items()})
    from . import sas

    sas.clear_cache()


def get_settings() -> Settings:
    env = os.environ
    url = _override.get("url") or env.get("TERRAHUB_URL")
    if not url:
        raise TerraHubClientError(
            "TERRAHUB_URL is not set: run this in a TerraHub server, or call "
            "terrahub.configure(url=..., token=...) first"
        )
    s = Settings(
        url=url.rstrip("/"),
        token=_override.get("token") or env.get("TERRAHUB_TOKEN") or None,
        s3_url=(_override.get("s3_url") or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or "").rstrip("/")
        or None,
        access_key_id=_override.get("access_key_id") or env.get("AWS_ACCESS_KEY_ID") or None,
        secret_access_key=_override.get("secret_access_key") or env.get("AWS_SECRET_ACCESS_KEY") or None,
        region=_override.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    return s


def with_storage(s: Settings) -> Settings:
    """Fills in the S3 endpoint and keys from the hub API when the environment does not have them."""
    if s.s3_url and s.access_key_id and s.secret_access_key:
        return s
    from .http import get_json

    if not s.token:
        if s.s3_url:
            return s
        raise TerraHubClientError("no S3 endpoint configured and no TERRAHUB_TOKEN to ask the hub for it")
    me = get_json(s, "/hub/api/user")
    creds = get_json(s, f"/hub/api/users/{me['name']}/credentials")
    return replace(
        s,
        s3_url=s.s3_url or creds["endpoint_url"].rstrip("/"),
        access_key_id=s.access_key_id or creds["access_key_id"],
        secret_access_key=s.secret_access_key or creds["secret_access_key"],
    )
