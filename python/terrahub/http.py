"""Calls to TerraHub's JSON APIs with the standard library only (the client has no dependencies), turning
TerraHub's error bodies into TerraHubClientError."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Optional
from urllib.parse import urlencode

from .settings import Settings, TerraHubClientError

TIMEOUT = 60


def _call(s: Settings, method: str, path: str, body: Any = None, params: Optional[dict] = None) -> Any:
    url = s.url + path + (("?" + urlencode(params)) if params else "")
    headers = {"Accept": "application/json", **s.auth_headers()}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        raw = e.read()
        code, message = None, raw.decode("utf-8", "replace")[:500]
        try:
            err = json.loads(raw)
            code = err.get("code")
            message = err.get("message") or err.get("description") or message
        except ValueError:
            pass
        raise TerraHubClientError(f"{method} {s.url + path}: {e.code} {code or ''} {message}".replace("  ", " "), e.code, code) from None
    except urllib.error.URLError as e:
        raise TerraHubClientError(f"{method} {s.url + path}: cannot reach TerraHub ({e.reason})") from None
    return json.loads(raw) if raw else None


def get_json(s: Settings, path: str, params: Optional[dict] = None) -> Any:
    return _call(s, "GET", path, params=params)


def send_json(s: Settings, method: str, path: str, body: Any) -> Any:
    return _call(s, method, path, body=body)
