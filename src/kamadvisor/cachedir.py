"""The cache directory (compiled templates): the user's, or the one a command's environment
chooses while it runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

_chosen: ContextVar[Path | None] = ContextVar("kamadvisor_cache_dir", default=None)


def default_cache_dir() -> Path:
    """The user's cache directory for kamadvisor (on Linux $XDG_CACHE_HOME/kamadvisor, else
    ~/.cache/kamadvisor; the platform's own place elsewhere)."""
    import platformdirs  # only when a command runs: `--help` and completion stay quick

    return platformdirs.user_cache_path("kamadvisor", appauthor=False)


@contextmanager
def using_cache_dir(directory: Path) -> Iterator[None]:
    """The cache lives in `directory` while the block runs (a test gives a temporary one)."""
    token = _chosen.set(directory)
    try:
        yield
    finally:
        _chosen.reset(token)


def keep_cache_dir(directory: Path) -> None:
    """The cache lives in `directory` for the rest of this process (a portfolio worker, which
    does not inherit its caller's choice)."""
    _chosen.set(directory)


def current_cache_dir() -> Path:
    return _chosen.get() or default_cache_dir()
