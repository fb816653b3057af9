"""`schema diagnosis|comparison`: the versioned JSON Schemas of the outputs."""

from __future__ import annotations

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus


def diagnosis(env: Environment) -> ExitStatus:
    from kamadvisor.render import render_diagnosis_schema

    env.echo(render_diagnosis_schema(), nl=False)
    return ExitStatus.OK


def comparison(env: Environment) -> ExitStatus:
    from kamadvisor.compare_render import render_comparison_schema

    env.echo(render_comparison_schema(), nl=False)
    return ExitStatus.OK
