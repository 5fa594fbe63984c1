"""What a video's record shows: a play link to its source, and, where a site opts in, a player
that loads only when the reader asks for it.

By default no third-party frame loads: the page's policy allows none. A site that lists hosts
in ``embed_hosts`` gets, on a video's page whose player is on one of them, a button that loads
the player, and a policy naming exactly that player's origin as its one frame source.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from digest.config import Config
from digest.model import Record
from digest.read.weburl import image_origin

SITES = {"youtube.com": "YouTube", "youtu.be": "YouTube", "vimeo.com": "Vimeo",
         "dailymotion.com": "Dailymotion", "twitch.tv": "Twitch", "ted.com": "TED"}
"""Video sites by domain, as a play link names them ("Watch on YouTube")."""


@dataclass(frozen=True, slots=True)
class Video:
    """A video's play link: where it goes, what it says, how long the video runs."""

    url: str
    site: str
    """Where the video plays: ``YouTube``, or the outlet's name."""
    duration: str
    """``4:13``, ``1:02:03``; empty when unknown."""
    iso_duration: str
    """The same as ISO 8601 (``PT4M13S``), for ``<time datetime>``; empty when unknown."""

    @property
    def label(self) -> str:
        return f"Watch on {self.site}"


def video_of(record: Record) -> Video | None:
    """Return a video record's play link to its source; None for any other record."""
    if record.kind.casefold() != "video" or not record.url:
        return None
    host = (urlsplit(record.url).hostname or "").removeprefix("www.").removeprefix("m.")
    site = SITES.get(host) or (record.provider.name if record.provider else "") or host
    seconds = record.duration
    if not seconds:
        return Video(record.url, site, "", "")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    shown = f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
    iso = "PT" + "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S"))
                         if n)
    return Video(record.url, site, shown, iso)


def allowed_embed(record: Record, config: Config) -> tuple[str, str] | None:
    """Return a video's player address and origin when the site allows its host, else None."""
    if not record.embed or not config.embed_hosts or record.kind.casefold() != "video":
        return None
    origin = image_origin(record.embed)
    if origin is None or origin.removeprefix("https://") not in config.embed_hosts:
        return None
    return record.embed, origin
