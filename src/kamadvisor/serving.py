"""Start `kamadvisor serve`: check the extra is installed, open the listening socket, run the
server until interrupted. The web stack is imported only here, so the CLI stays light."""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from kamadvisor.errors import UsageError

EXTRA_MODULES = ("starlette", "uvicorn", "ruamel.yaml")
INSTALL_HINT = "pip install 'kamadvisor[serve]'"


def require_extra() -> None:
    missing = [name for name in EXTRA_MODULES if not _installed(name)]
    if missing:
        raise UsageError(
            f"kamadvisor serve needs the serve extra ({', '.join(missing)} not installed); "
            f"install it with: {INSTALL_HINT}"
        )


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def open_socket(host: str, port: int) -> socket.socket:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(64)
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    listener.set_inheritable(True)
    return listener


def serve_folder(
    folder: Path,
    host: str,
    port: int,
    house_packs: tuple[Path, ...] | list[Path],
    say: Callable[[str], None],
) -> None:
    """Serve until interrupted; `say` puts a line on the caller's standard error."""
    require_extra()
    import uvicorn

    from kamadvisor.api import open_advisor
    from kamadvisor.server import allowed_hosts, create_app, is_loopback
    from kamadvisor.workspace import Workspace

    workspace = Workspace(folder)
    advisor = open_advisor(house_packs)
    listener = open_socket(host, port)
    bound_port = listener.getsockname()[1]
    app = create_app(workspace, advisor, allowed_hosts(host))
    shown = f"[{host}]" if ":" in host else host
    if not is_loopback(host):
        say(
            f"warning: listening on {host}, not on this machine's loopback address: anyone who "
            f"can reach it on port {bound_port} can read and change the questionnaires in "
            f"{workspace.root}"
        )
    announcement = (
        f"kamadvisor serve: http://{shown}:{bound_port}/  (folder {workspace.root}; Ctrl+C stops)"
    )
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
        proxy_headers=False,
        lifespan="off",
        ws="none",
        http="h11",
    )
    server = _server_class()(config, lambda: say(announcement))
    try:
        server.run(sockets=[listener])
    finally:
        advisor.close()
    if server.stopped_by_signal:
        # uvicorn re-raises the signal once it has shut down, but a SIGINT ignored since start
        # (a job started in the background by a shell) would then be lost: stop as interrupted.
        raise KeyboardInterrupt
        listener.close()


def _server_class() -> type[Any]:
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        """Prints the address once it is served and Ctrl+C is handled, not before."""

        def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
            super().__init__(config)
            self.announce = announce
            self.stopped_by_signal = False

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            self.stopped_by_signal = True
            super().handle_exit(sig, frame)

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            self.announce()

    return AnnouncingServer
