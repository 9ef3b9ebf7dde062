"""Values kept in a process by key, within a budget of bytes: the least recently used go first.

The exports keep written files in two places (by the book's digest, and by what was asked with
the data's token); both are bounded the same way."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

V = TypeVar("V")


class SizedCache(Generic[V]):
    def __init__(self, size_of: Callable[[V], int]) -> None:
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._size_of = size_of
        self._total = 0

    def get(self, key: Hashable) -> V | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: Hashable, value: V, limit: int) -> None:
        """Keep `value` unless it alone is over `limit` (bytes), dropping the least recently used
        until the rest fit. A key already kept stays as it is: a key names its value."""
        size = self._size_of(value)
        if size > limit or key in self._items:
            return
        self._items[key] = value
        self._total += size
        while self._total > limit:
            _, dropped = self._items.popitem(last=False)
            self._total -= self._size_of(dropped)

    def clear(self) -> None:
        self._items.clear()
        self._total = 0

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
