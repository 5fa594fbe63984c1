"""Serve's memory of rendered pages: a page is rendered again only when what it is made of
changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from digest.config import Config
from digest.plan.page import Page, basis, fingerprint
from digest.render.pages import Renderer, render_many


class RenderCache:
    """Each page's bytes, reused while what it is made from is unchanged, and one template
    environment for every render. The config and the templates stay the same for the cache's
    life (the preview clears it when the templates change), so a page with a key is unchanged
    while its template and key are: the build's fingerprint test, without hashing every key."""

    def __init__(self) -> None:
        self._renderer: Renderer | None = None
        self._config: Config | None = None
        self._basis = b""
        self._pages: dict[str, tuple[str, bytes]] = {}
        """Site path to what the page was made from (its stamp) and its bytes."""

    def render(self, pages: Iterable[Page], config: Config) -> list[tuple[str, bytes]]:
        """Render the pages whose stamp changed; reuse the others' bytes; forget pages not given."""
        pages = list(pages)
        fresh = self.refresh(pages, config)
        self._pages = {page.path: self._pages[page.path] for page in pages}
        return list(fresh.items())

    def refresh(self, pages: Sequence[Page], config: Config) -> dict[str, bytes]:
        """Render those of ``pages`` whose stamp changed (on every core, if many); keep every
        other page; return their bytes."""
        draw = self._renderer_for(config)
        todo: list[tuple[Page, str]] = []
        for page in pages:
            stamp = f"{page.template}\0{page.key}" if page.key else fingerprint(page, self._basis)
            known = self._pages.get(page.path)
            if known is None or known[0] != stamp:
                todo.append((page, stamp))
        # Workers are forked beside serve's threads (the watcher's, the HTTP server's): they
        # only render and send back bytes, and take none of the locks those threads may hold.
        drawn = render_many([page for page, _ in todo], draw)
        for (page, stamp), (_, data) in zip(todo, drawn, strict=True):
            self._pages[page.path] = (stamp, data)
        return {page.path: self._pages[page.path][1] for page in pages}

    def clear(self) -> None:
        self._renderer = None
        self._pages.clear()

    def _renderer_for(self, config: Config) -> Renderer:
        if self._renderer is None or config != self._config:
            self.clear()
            self._renderer, self._config, self._basis = Renderer(config), config, basis(config)
        return self._renderer
