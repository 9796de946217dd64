"""Signing asset hrefs, the way ``planetary_computer.sign`` does for the Planetary Computer.

An href on TerraHub's storage (``s3://bucket/key`` or ``http(s)://<s3 endpoint>/bucket/key``) becomes an
HTTP URL on the S3 endpoint carrying a read token for its bucket, so any HTTP reader (GDAL's /vsicurl/,
rasterio, odc-stac, xarray, a browser) opens it with no credentials. One token per bucket, from
``/api/sas/v1/token/{bucket}``, cached until shortly before it expires. Other hrefs are left as they are.
"""
from __future__ import annotations

import copy
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional, Tuple, TypeVar
from urllib.parse import quote, unquote, urlsplit

from .http import get_json
from .settings import Settings, TerraHubClientError, get_settings, with_storage

# A token is renewed when less than this is left, so a long read never starts on an expiring token.
RENEW_BEFORE = timedelta(minutes=5)
SIGNED_MARKER = "th-sas-sig="

_lock = threading.Lock()
_tokens: Dict[Tuple[str, str], Tuple[str, datetime]] = {}
_s3_urls: Dict[str, str] = {}


def clear_cache() -> None:
    with _lock:
        _tokens.clear()
        _s3_urls.clear()


def _s3_url(s: Settings) -> str:
    if s.s3_url:
        return s.s3_url
    with _lock:
        cached = _s3_urls.get(s.url)
    if cached:
        return cached
    url = with_storage(s).s3_url
    assert url
    with _lock:
        _s3_urls[s.url] = url
    return url


def get_token(bucket: str, settings: Optional[Settings] = None) -> str:
    """The read token (a query string) for ``bucket``, from the cache while it has time left."""
    s = settings or get_settings()
    key = (s.url, bucket)
    now = datetime.now(timezone.utc)
    with _lock:
        hit = _tokens.get(key)
    if hit and hit[1] - now > RENEW_BEFORE:
        return hit[0]
    body = get_json(s, f"/api/sas/v1/token/{quote(bucket, safe='')}")
    expiry = datetime.fromisoformat(body["msft:expiry"].replace("Z", "+00:00"))
    with _lock:
        _tokens[key] = (body["token"], expiry)
    return body["token"]


def parse_href(href: str, s3_url: str) -> Optional[Tuple[str, str]]:
    """(bucket, key) when ``href`` is on TerraHub's storage, else None."""
    if href.startswith("s3://"):
        rest = href[5:].split("?")[0].split("#")[0]
    else:
        u, base = urlsplit(href), urlsplit(s3_url)
        if (u.scheme, u.netloc) != (base.scheme, base.netloc):
            return None
        prefix = base.path.rstrip("/")
        if not u.path.startswith(prefix + "/"):
            return None
        rest = unquote(u.path[len(prefix) + 1 :])
    bucket, _, key = rest.partition("/")
    return (bucket, key) if bucket and key else None


def sign_url(href: str, settings: Optional[Settings] = None) -> str:
    """A readable URL for ``href``: signed when it is on TerraHub's storage, unchanged otherwise."""
    if SIGNED_MARKER in href or not (href.startswith("s3://") or href.startswith("http")):
        return href
    s = settings or get_settings()
    base = _s3_url(s)
    loc = parse_href(href, base)
    if loc is None:
        return href
    bucket, key = loc
    token = get_token(bucket, s)
    query = urlsplit(href).query if not href.startswith("s3://") else ""
    sep = "&" if query else ""
    return f"{base}/{quote(bucket)}/{quote(key)}?{query}{sep}{token}"


T = TypeVar("T")


def _sign_assets_dict(assets: Dict[str, Any], s: Settings) -> None:
    for a in assets.values():
        if isinstance(a, dict) and isinstance(a.get("href"), str):
            a["href"] = sign_url(a["href"], s)


def sign_inplace(obj: T, settings: Optional[Settings] = None) -> T:
    """Signs the hrefs of ``obj`` in place and returns it: a pystac Item, ItemCollection, Collection or
    Asset, a STAC item/collection/FeatureCollection dict, or a list of those. Use it as pystac-client's
    ``modifier``: ``Client.open(url, modifier=terrahub.sign_inplace)``."""
    s = settings or get_settings()
    try:
        import pystac
    except ImportError:  # plain dicts and strings still work without pystac
        pystac = None  # type: ignore[assignment]
    if pystac is not None:
        if isinstance(obj, pystac.Asset):
            obj.href = sign_url(obj.href, s)
            return obj
        if isinstance(obj, (pystac.Item, pystac.Collection)):
            for a in obj.assets.values():
                a.href = sign_url(a.href, s)
            return obj
        if isinstance(obj, pystac.ItemCollection):
            for item in obj.items:
                sign_inplace(item, s)
            return obj
    if isinstance(obj, dict):
        if isinstance(obj.get("features"), list):
            for f in obj["features"]:
                sign_inplace(f, s)
        if isinstance(obj.get("assets"), dict):
            _sign_assets_dict(obj["assets"], s)
        if isinstance(obj.get("href"), str):
            obj["href"] = sign_url(obj["href"], s)
        return obj
    if isinstance(obj, list):
        for x in obj:
            sign_inplace(x, s)
        return obj
    raise TerraHubClientError(f"cannot sign an object of type {type(obj).__name__}")


def sign(obj: T, settings: Optional[Settings] = None) -> T:
    """Like ``sign_inplace`` on a copy: returns a signed copy (or a signed URL for an href string)."""
    if isinstance(obj, str):
        return sign_url(obj, settings)  # type: ignore[return-value]
    try:
        import pystac

        if isinstance(obj, pystac.ItemCollection):
            return sign_inplace(pystac.ItemCollection([i.clone() for i in obj.items], obj.extra_fields), settings)  # type: ignore[return-value]
        if isinstance(obj, (pystac.Item, pystac.Collection)):
            return sign_inplace(obj.clone(), settings)  # type: ignore[return-value]
        if isinstance(obj, pystac.Asset):
            return sign_inplace(obj.clone(), settings)  # type: ignore[return-value]
    except ImportError:
        pass
    return sign_inplace(copy.deepcopy(obj), settings)
