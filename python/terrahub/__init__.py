"""TerraHub's Python client, for notebooks in a TerraHub server (where it needs no setup) and elsewhere.

    import terrahub
    catalog = terrahub.catalog()                      # pystac-client, authenticated, hrefs signed
    items = catalog.search(collections=["demo"]).item_collection()
    url = terrahub.sign("s3://demo/scene.tif")        # a URL any HTTP reader opens
    fs = terrahub.storage()                           # s3fs with your TerraHub S3 keys
"""
from __future__ import annotations

from typing import Any, Optional

from .sas import clear_cache, get_token, sign, sign_inplace, sign_url
from .settings import Settings, TerraHubClientError, configure, get_settings, with_storage

__version__ = "0.1.0"
__all__ = [
    "user",
    "catalog",
    "storage",
    "sign",
    "sign_inplace",
    "sign_url",
    "get_token",
    "configure",
    "get_settings",
    "clear_cache",
    "Settings",
    "TerraHubClientError",
]


def user() -> dict:
    """Who you are to TerraHub: the hub's user model (name, admin, groups, scopes, ``storage.home_bucket``)."""
    from .http import get_json

    return get_json(get_settings(), "/hub/api/user")


def catalog(url: Optional[str] = None, sign_assets: bool = True, **kw: Any):
    """A ``pystac_client.Client`` on TerraHub's STAC API with your token, whose results have signed hrefs.

    Extra keyword arguments go to ``pystac_client.Client.open``."""
    import pystac_client

    s = get_settings()
    headers = {**s.auth_headers(), **kw.pop("headers", {})}
    if sign_assets:
        kw.setdefault("modifier", sign_inplace)
    return pystac_client.Client.open(url or s.stac_url, headers=headers, **kw)


def storage(**kw: Any):
    """An ``s3fs.S3FileSystem`` on TerraHub's S3 endpoint with your keys (from the environment, or fetched
    from the hub API with your token). Extra keyword arguments go to ``S3FileSystem``."""
    import s3fs

    s = with_storage(get_settings())
    client_kwargs = {"endpoint_url": s.s3_url, "region_name": s.region, **kw.pop("client_kwargs", {})}
    config_kwargs = {"s3": {"addressing_style": "path"}, **kw.pop("config_kwargs", {})}
    return s3fs.S3FileSystem(
        key=s.access_key_id,
        secret=s.secret_access_key,
        client_kwargs=client_kwargs,
        config_kwargs=config_kwargs,
        **kw,
    )
