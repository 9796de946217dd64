"""Zero-setup authentication for pystac-client in a TerraHub environment.

The environment build installs this file as the top-level module ``terrahub_autoconfig``, which
``terrahub_autoconfig.pth`` imports when Python starts. If TERRAHUB_URL and
TERRAHUB_TOKEN are set, then once ``pystac_client`` is imported (and only then: nothing is imported here),
its requests to TERRAHUB_URL, and to no other host, carry ``Authorization: Bearer $TERRAHUB_TOKEN`` unless the
caller set an Authorization header. So ``pystac_client.Client.open(os.environ["STAC_URL"])`` searches with
the user's rights. Set TERRAHUB_AUTOAUTH=0 to turn this off.
"""
import os
import sys

_TARGET = "pystac_client.stac_api_io"


def _wants_auth() -> bool:
    return bool(os.environ.get("TERRAHUB_URL") and os.environ.get("TERRAHUB_TOKEN")) and os.environ.get(
        "TERRAHUB_AUTOAUTH", "1"
    ) not in ("0", "false", "no")


def _is_terrahub(href: str) -> bool:
    base = os.environ.get("TERRAHUB_URL", "").rstrip("/")
    return bool(base) and (href == base or href.startswith(base + "/"))


def patch(module) -> None:
    """Wraps StacApiIO.request of ``module`` so TerraHub requests carry the user's token."""
    cls = getattr(module, "StacApiIO", None)
    if cls is None or getattr(cls.request, "_terrahub", False):
        return
    original = cls.request

    def request(self, href, method=None, headers=None, parameters=None):
        token = os.environ.get("TERRAHUB_TOKEN")
        has_auth = any(k.lower() == "authorization" for k in {**self.session.headers, **(headers or {})})
        if token and not has_auth and _is_terrahub(str(href)):
            headers = {**(headers or {}), "Authorization": f"Bearer {token}"}
        return original(self, href, method=method, headers=headers, parameters=parameters)

    request._terrahub = True  # type: ignore[attr-defined]
    cls.request = request


class _Finder:
    """A meta-path finder that only watches for the one module, then steps aside."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != _TARGET:
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            try:
                patch(module)
            except Exception:  # never break the import of the real library
                pass

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    if not _wants_auth():
        return
    if _TARGET in sys.modules:
        patch(sys.modules[_TARGET])
    elif _Finder not in sys.meta_path:
        sys.meta_path.insert(0, _Finder)  # type: ignore[arg-type]


install()
