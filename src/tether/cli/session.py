"""Run one async command body with a connected client, then close it.

Design: commands stay synchronous typer functions (completion, help) and hand a coroutine
to :func:`run`; the client's lifetime is bounded here, so no command can leak a connection
pool or forget to close it on error. A missing Flux CRD gets a hint here, once, instead of
in every command.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from tether import errors
from tether.cli import options

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient

__all__ = ["run"]

T = TypeVar("T")


def run(body: Callable[[KubeClient, options.GlobalOptions], Awaitable[T]]) -> T:
    """``asyncio.run`` ``body(kube, opts)`` with a client for the global flags."""
    opts = options.current()

    async def _main() -> T:
        kube = opts.connect()
        try:
            return await body(kube, opts)
        except errors.NotFoundError as exc:
            if "toolkit.fluxcd.io" in str(exc) and str(exc).startswith("no matches for kind"):
                raise errors.NotFoundError(
                    str(exc), status=exc.status,
                    hint="are the Tether CRDs installed? (tether install; tether check)",
                ) from exc
            raise
        finally:
            await kube.close()

    return asyncio.run(_main())
