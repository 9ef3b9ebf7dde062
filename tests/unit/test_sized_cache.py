"""A byte-bounded cache: the least recently used go first, and a key kept twice counts once."""

from tracker.sized_cache import SizedCache


def test_the_least_recently_used_go_first() -> None:
    cache: SizedCache[bytes] = SizedCache(len)
    cache.put("a", b"12345", 10)
    cache.put("b", b"67890", 10)
    assert cache.get("a") == b"12345"  # used: now the most recent
    cache.put("c", b"abcde", 10)
    assert list(cache) == ["a", "c"]


def test_a_key_kept_again_counts_once_and_an_oversized_value_is_not_kept() -> None:
    cache: SizedCache[bytes] = SizedCache(len)
    for _ in range(3):
        cache.put("a", b"12345", 10)
    cache.put("b", b"67890", 10)
    assert list(cache) == ["a", "b"]
    cache.put("huge", b"x" * 11, 10)
    assert "huge" not in cache and len(cache) == 2
    cache.clear()
    assert len(cache) == 0 and cache.get("a") is None
