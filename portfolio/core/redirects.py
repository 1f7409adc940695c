"""Where a form may send the person back to: a path on this site, never another host."""
from urllib.parse import urlsplit


def safe_path(target: str | None, fallback: str) -> str:
    """`target` when it is a path of this site, else `fallback`. Browsers read a backslash as a
    slash, so "/\\evil.example" and "//evil.example" both name another host and are refused."""
    if target:
        normalised = target.replace("\\", "/")
        parts = urlsplit(normalised)
        if not parts.scheme and not parts.netloc and normalised.startswith("/") and not normalised.startswith("//"):
            return target
    return fallback
