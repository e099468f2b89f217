"""A least-recently-used cache bounded by the bytes of its entries, not their count.

Compiled diagram code is cached by its source text. An entry count is no bound on
memory: 4,096 scripts of 1.9 MB each are 8 GB. Here each entry costs what its
``size`` function says (the source length, a fair proxy for the code compiled from
it) and the oldest entries leave until the total is under ``max_bytes``.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class BytesBoundedCache:
    """Thread-safe LRU mapping whose entries' sizes add up to at most ``max_bytes``.

    An entry larger than 1/64 of the bound is computed but not kept: diagram code is a
    few kilobytes, and one huge input must not flush what every step uses.
    """

    def __init__(self, max_bytes: int, size: Callable[[Any], int] = len):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 64
        self.size = size
        self.bytes = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
                return entry[0]
        value = compute()  # outside the lock: compiling may take a while and may raise
        cost = self.size(key)
        if cost > self.max_entry_bytes:
            return value
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, cost)
                self.bytes += cost
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


def bytes_cached(max_bytes: int, size: Callable[[Any], int] = len):
    """Decorator: cache a one-argument function in a :class:`BytesBoundedCache`
    (reachable as ``function.cache``)."""
    def decorate(function):
        cache = BytesBoundedCache(max_bytes, size)

        @functools.wraps(function)
        def cached(key):
            return cache.get(key, lambda: function(key))
        cached.cache = cache
        return cached
    return decorate
