"""A bounded least-recently-used map, safe to share between a process's threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class BoundedLRU:
    """At most `maxsize()` entries; adding one more drops the least recently used.

    `maxsize` is a callable (a setting read at call time), so a changed setting applies
    on the next insertion. A size of 0 holds nothing.
    """

    def __init__(self, maxsize: Callable[[], int]) -> None:
        self._maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            try:
                self._data.move_to_end(key)
            except KeyError:
                return default
            return self._data[key]

    def put(self, key: Hashable, value: Any) -> None:
        limit = self._maxsize()
        with self._lock:
            if limit <= 0:
                self._data.clear()
                return
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > limit:
                self._data.popitem(last=False)

    def pop(self, key: Hashable) -> Any:
        with self._lock:
            return self._data.pop(key, None)

    def discard_where(self, predicate: Callable[[Hashable, Any], bool]) -> int:
        """Drop every entry for which predicate(key, value) holds; how many went."""
        with self._lock:
            doomed = [key for key, value in self._data.items() if predicate(key, value)]
            for key in doomed:
                del self._data[key]
        return len(doomed)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data
