"""An in-process LRU cache of rendered share cards, bounded by the bytes of PNG it holds.

A card is a pure function of its `CardSpec`, so a rendered PNG can be served again for as long as
the process lives. Each app process keeps its own cache: nothing to share, nothing to invalidate.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from kyvs.adapters.share_card import ShareCardRenderer
from kyvs.domain.share_cards import CardSpec
from kyvs.ports import CardRenderer

DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CacheStats:
    """What a cache has done since it was made, and what it holds now."""

    hits: int
    misses: int
    evictions: int
    entries: int
    bytes: int


class CachedCardRenderer:
    """Renders a card once per spec and keeps the PNG, dropping the least recently used first.

    Thread-safe; two threads that miss on the same spec at once may both render it (cards are
    pure, so either result is right), rather than one waiting on the other's lock.
    """

    def __init__(
        self, renderer: CardRenderer | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self._renderer = renderer or ShareCardRenderer()
        self._max_bytes = max_bytes
        self._pngs: OrderedDict[CardSpec, bytes] = OrderedDict()
        self._bytes = 0
        self._hits = self._misses = self._evictions = 0
        self._lock = threading.Lock()

    def render(self, spec: CardSpec) -> bytes:
        """The PNG of `spec`, from the cache when it is there (a card that cannot be drawn,
        ShareCardUnavailable, is not kept: it is drawn once the fonts are installed)."""
        with self._lock:
            png = self._pngs.get(spec)
            if png is not None:
                self._pngs.move_to_end(spec)
                self._hits += 1
                return png
            self._misses += 1
        png = self._renderer.render(spec)
        self._keep(spec, png)
        return png

    def can_draw(self, language: str) -> bool:
        """True when a card in `language` can be drawn (its fonts and shaper are installed)."""
        return self._renderer.can_draw(language)

    @property
    def hits(self) -> int:
        return self._hits

    @property
    def misses(self) -> int:
        return self._misses

    def stats(self) -> CacheStats:
        """Counters and current size."""
        with self._lock:
            return CacheStats(
                self._hits, self._misses, self._evictions, len(self._pngs), self._bytes
            )

    def _keep(self, spec: CardSpec, png: bytes) -> None:
        if len(png) > self._max_bytes:
            return  # one card larger than the whole cache would only evict everything else
        with self._lock:
            previous = self._pngs.pop(spec, None)
            if previous is not None:
                self._bytes -= len(previous)
            self._pngs[spec] = png
            self._bytes += len(png)
            while self._bytes > self._max_bytes:
                _, dropped = self._pngs.popitem(last=False)
                self._bytes -= len(dropped)
                self._evictions += 1
