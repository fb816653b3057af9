"""`compare`: two assessments of one account, what moved and which answers moved it."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from kamadvisor.commands.environment import Environment
from kamadvisor.commands.shared import say_written
from kamadvisor.errors import ExitStatus


def compare(
    env: Environment,
    before_file: str,
    after_file: str,
    output: str | None,
    compare_format: str,
    house_packs: tuple[Path, ...],
) -> ExitStatus:
    from kamadvisor.api import open_advisor
    from kamadvisor.compare import compare_files
    from kamadvisor.compare_render import CompareFormat, render_comparison
    from kamadvisor.output import RunInputs, check_output, write_output

    selected = cast(CompareFormat, compare_format)  # the CLI's choice allows only these
    check_output(output, RunInputs.of([before_file, after_file], packs=house_packs))
    with open_advisor(house_packs) as advisor:
        comparison = compare_files(advisor, before_file, after_file)
        text = render_comparison(comparison, advisor.rulebook, selected)
    write_output(text, output, env.stdout)
    say_written(env, output)
    return ExitStatus.OK
