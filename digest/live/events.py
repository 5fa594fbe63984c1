"""Fan server-sent events out to the open pages, a bounded number of them."""

from __future__ import annotations

import json
import queue
import threading

Stream = queue.SimpleQueue[bytes | None]
"""One page's messages, in order; None ends its stream."""


def event_message(event: str, data: object) -> bytes:
    """Encode one server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class Broker:
    """Fan server-sent events out to every open page, up to ``limit`` of them."""

    def __init__(self, limit: int = 64) -> None:
        self._lock = threading.Lock()
        self._limit = max(1, limit)
        self._streams: dict[Stream, None] = {}
        """Oldest first."""
        self._closed = False

    def __len__(self) -> int:
        return len(self._streams)

    def subscribe(self) -> Stream:
        """Open a stream; beyond the limit, end the oldest, telling its page not to come back
        (an EventSource reconnects by itself, and would end another in turn)."""
        stream: Stream = queue.SimpleQueue()
        with self._lock:
            if self._closed:
                stream.put(None)
            while len(self._streams) >= self._limit:
                oldest = next(iter(self._streams))
                del self._streams[oldest]
                oldest.put(event_message("replaced", {"limit": self._limit}))
                oldest.put(None)
            self._streams[stream] = None
        return stream

    def unsubscribe(self, stream: Stream) -> None:
        with self._lock:
            self._streams.pop(stream, None)

    def publish(self, event: str, data: object) -> None:
        message = event_message(event, data)
        with self._lock:
            for stream in self._streams:
                stream.put(message)

    def close(self) -> None:
        """End every open stream, so no request thread outlives the server."""
        with self._lock:
            self._closed = True
            for stream in self._streams:
                stream.put(None)
