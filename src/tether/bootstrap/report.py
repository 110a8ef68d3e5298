"""How install and bootstrap tell the user what they are doing (Flux's glyph lines).

Job: one small ``Reporter`` protocol the library calls (``action`` ►, ``success`` ✔,
``generate`` ✚, ``warning`` ⚠️, ``plain`` for glyph-less lines, and ``waiting`` ◎ — a
context manager around every wait, so the CLI can show a spinner with the elapsed time).
Design decision: the library never prints; the CLI supplies a terminal reporter, and tests
a :class:`Recorder` whose ``lines`` they compare with Flux's shapes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Protocol

__all__ = ["Recorder", "Reporter"]


class Reporter(Protocol):
    """Receives progress lines."""

    def action(self, message: str) -> None:
        """``► message``: something starts."""

    def success(self, message: str) -> None:
        """``✔ message``: something finished well."""

    def generate(self, message: str) -> None:
        """``✚ message``: manifests are being generated."""

    def warning(self, message: str) -> None:
        """``⚠️ message``."""

    def plain(self, message: str) -> None:
        """``message`` without a glyph (e.g. ``Kind/ns/name created`` change-set lines)."""

    def waiting(self, message: str) -> contextlib.AbstractContextManager[None]:
        """``◎ message``, then a wait (a spinner in a terminal) until the block exits."""


class Recorder:
    """A Reporter that keeps the lines (tests, ``--silent``)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def action(self, message: str) -> None:
        """Record ``► message``."""
        self.lines.append(f"► {message}")

    def success(self, message: str) -> None:
        """Record ``✔ message``."""
        self.lines.append(f"✔ {message}")

    def generate(self, message: str) -> None:
        """Record ``✚ message``."""
        self.lines.append(f"✚ {message}")

    def warning(self, message: str) -> None:
        """Record ``⚠️ message``."""
        self.lines.append(f"⚠️ {message}")

    def plain(self, message: str) -> None:
        """Record ``message``."""
        self.lines.append(message)

    @contextlib.contextmanager
    def waiting(self, message: str) -> Iterator[None]:
        """Record ``◎ message``."""
        self.lines.append(f"◎ {message}")
        yield
