"""`schema diagnosis|comparison|report|questionnaire|portfolio-movement`: the versioned JSON
Schemas of the inputs and outputs."""

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


def committed(env: Environment, name: str) -> ExitStatus:
    """A schema kamadvisor commits to (schemas/NAME-VERSION.json)."""
    from kamadvisor.schema_registry import render_schema

    env.echo(render_schema(name), nl=False)
    return ExitStatus.OK


def portfolio_movement(env: Environment) -> ExitStatus:
    return committed(env, "portfolio-movement")
