"""`serve`: the browser workspace over a folder of questionnaires."""

from __future__ import annotations

from pathlib import Path

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus


def serve(
    env: Environment, folder: Path, host: str, port: int, house_packs: tuple[Path, ...]
) -> ExitStatus:
    from kamadvisor.serving import serve_folder

    try:
        serve_folder(folder, host, port, house_packs, env.say)
    except KeyboardInterrupt:
        env.say("kamadvisor serve: stopped")
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK
