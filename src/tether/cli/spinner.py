"""A spinner with elapsed time for every wait, on stderr, only when stderr is a terminal.

Design: the spinner is pure decoration — it never carries information that the glyph lines
(``◎ waiting …`` / ``✔ …``) do not, so disabling it (pipes, CI, tests) changes nothing a
script could parse. ``rich.live.Live`` redraws from a callback, so the elapsed seconds and
the latest detail (e.g. the object's current Ready message) stay fresh without the caller
driving the refresh. rich is imported only when a spinner is actually drawn (start-up time).
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live
    from rich.spinner import Spinner as RichSpinner

__all__ = ["Spinner"]


class Spinner:
    """``with Spinner("waiting for Kustomization reconciliation") as s: s.detail = "…"``."""

    def __init__(self, text: str, *, console: Console | None = None) -> None:
        self.text = text
        self.detail = ""
        """Shown after the elapsed time; callers set it to what is still pending."""
        self._console = console
        self._start = time.monotonic()
        self._spinner: RichSpinner | None = None
        self._live: Live | None = None

    @property
    def enabled(self) -> bool:
        """True when stderr (or the given console) is an interactive terminal."""
        if self._console is not None:
            return self._console.is_terminal
        return sys.stderr.isatty()

    def elapsed(self) -> float:
        """Seconds since the spinner was created."""
        return time.monotonic() - self._start

    def line(self) -> str:
        """The text the spinner shows: ``text (12s) detail``."""
        detail = f" {self.detail}" if self.detail else ""
        return f"{self.text} ({self.elapsed():.0f}s){detail}"

    def _render(self) -> RenderableType:
        assert self._spinner is not None
        self._spinner.update(text=self.line())
        return self._spinner

    def __enter__(self) -> Spinner:
        self._start = time.monotonic()
        if self.enabled:
            from rich.console import Console
            from rich.live import Live
            from rich.spinner import Spinner as RichSpinner

            self._spinner = RichSpinner("dots")
            self._live = Live(get_renderable=self._render,
                              console=self._console or Console(stderr=True),
                              transient=True, refresh_per_second=8)
            self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
