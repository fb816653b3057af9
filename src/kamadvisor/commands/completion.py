"""`completion SHELL`: the script that lets bash, zsh or fish complete kamadvisor's commands,
options and file names."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus, UsageError

SHELLS = ("bash", "zsh", "fish")
PROGRAM = "kamadvisor"
# The variable click's completion protocol reads: the script sets it when it asks for words.
COMPLETE_VARIABLE = "_KAMADVISOR_COMPLETE"


def completion(env: Environment, command: click.Command, shell: str) -> ExitStatus:
    kind = get_completion_class(shell)
    if kind is None:  # the CLI's choice allows only the shells above
        raise UsageError(f"no completion for {shell}")
    env.echo(kind(command, {}, PROGRAM, COMPLETE_VARIABLE).source())
    return ExitStatus.OK
