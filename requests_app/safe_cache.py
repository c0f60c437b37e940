"""Django's cache as the pages use it (issue 28): a read or write that fails is logged and
treated as a miss, never an error page, and a digest of the code that shapes an entry keys it.

Every cache of the tracker (figures_app/selectors/totals_cache.py, deadline_cards.py,
needs_you_cache.py) keys its entries on versions the services raise, so an entry is never
stale; the shared cache (a table, or Redis) outlives a deploy, so each key also carries a
digest of the code that wrote the entry."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.cache import cache as shared_cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT

logger = logging.getLogger(__name__)

# The project's root: the apps and foi_tracker are folders in it.
ROOT = Path(__file__).resolve().parent.parent


def cache_get(key: str, *, what: str) -> Any:
    """The cached value, or None on a miss or when the cache fails (logged, naming `what`)."""
    try:
        return shared_cache.get(key)
    except Exception:  # any backend's error: redis.ConnectionError, a timeout, ...
        logger.warning("Cache unavailable; %s read without it (%s)", what, key, exc_info=True)
        return None


def cache_set(key: str, value: Any, *, what: str, timeout: Any = DEFAULT_TIMEOUT) -> None:
    """Store `value`; when the cache fails, log it and go on (the value is served anyway)."""
    try:
        shared_cache.set(key, value, timeout)
    except Exception:
        logger.warning("Cache unavailable; %s not stored (%s)", what, key, exc_info=True)


def code_digest(paths: Iterable[Path]) -> str:
    """Twelve hex digits of sha256 over the files' names (relative to the project) and bytes,
    in a stable order: the same code on every host gives the same digest."""
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
