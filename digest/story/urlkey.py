"""One key per web page, for telling that two articles cite the same coverage: two spellings of
a URL (scheme, ``www.``, a trailing slash, tracking parameters, a fragment, an AMP form) give
one key.

It refines ``clean.normalise_url`` (the key ``Site.by_url`` and ``Related.url_key`` use) and
takes either a URL or such a key, so that related items kept on disk, of which planning holds
only the keys, need not be read back.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

TRACKING = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid",
    "mc_eid", "_ga", "_gl", "ocid", "cmpid", "cmp", "icid", "smid", "smtyp", "ito", "ref",
    "ref_src", "ref_url", "src", "guccounter", "guce_referrer", "guce_referrer_sig", "amp",
    "outputtype", "__twitter_impression", "at_medium", "at_campaign", "cid", "ncid", "sr_share",
    "share", "s_cid", "mbid", "rss", "taid",
})
"""Query parameters that say how a reader came, not which page: dropped (and any ``utm_*``,
``at_*``)."""
_AMP_CACHE = ".cdn.ampproject.org"


_PLAIN = re.compile(r"(?:https?://)?[a-z0-9.-]*(?:/[!$%'-.0-9;=A-Z_a-z~]*)*")
"""A URL or key that urlsplit would split at its first slash, with a lower-case host and no
query: most, split faster by hand (a cold build asks for a key of each related item)."""


@lru_cache(maxsize=1 << 16)
def story_key(url: str) -> str:
    """Return the key of the page ``url`` (a URL, or a ``normalise_url`` key) shows."""
    if _PLAIN.fullmatch(url):
        host, slash, path = url.partition("://")[2 if "://" in url else 0].partition("/")
        host = host.removeprefix("www.")
        if not host.endswith(_AMP_CACHE):
            return f"{host.removeprefix('amp.')}{_canonical_path(slash + path)}"
    try:
        parts = urlsplit(url if "://" in url.partition("?")[0] else f"//{url}")
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:  # a URL urlsplit refuses is its own key
        return url
    path = parts.path
    if host.endswith(_AMP_CACHE):  # /c/s/host/path (https) or /c/host/path, /v/..., /i/...
        hops = path.split("/")
        at = 3 if len(hops) > 3 and hops[2] == "s" else 2
        if len(hops) > at and hops[1] in {"c", "v", "i"}:
            host = hops[at].lower().removeprefix("www.")
            path = "/" + "/".join(hops[at + 1:])
    host = host.removeprefix("amp.")
    return f"{host}{_canonical_path(path)}{_kept_query(parts.query)}"


def _canonical_path(path: str) -> str:
    """Return an AMP page's path as its canonical page's: no ``amp`` segment, no ``.amp``."""
    if "//" not in path and "amp" not in path.lower():  # most: only the slashes at the ends go
        return "/" + path.strip("/")
    segments = [s for s in path.split("/") if s and s.lower() != "amp"]
    if segments:
        last = segments[-1]
        if last.lower().endswith(".amp.html"):
            segments[-1] = last[:-9] + ".html"
        elif last.lower().endswith(".amp"):
            segments[-1] = last[:-4]
    return "/" + "/".join(segments)


def _kept_query(query: str) -> str:
    """Return the query's parameters that name the page, sorted (their order says nothing)."""
    if not query:
        return ""
    kept = sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                  if not _tracking(k.lower()))
    return f"?{urlencode(kept)}" if kept else ""


def _tracking(name: str) -> bool:
    return name in TRACKING or name.startswith(("utm_", "at_"))
