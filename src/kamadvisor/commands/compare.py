"""`compare`: two assessments of one account, what moved and which answers moved it."""

from __future__ import annotations

from pathlib import Path

from kamadvisor.commands.environment import Environment
from kamadvisor.commands.shared import say_written
from kamadvisor.errors import ExitStatus
from kamadvisor.formats import COMPARISON_FORMATS


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
    from kamadvisor.output import RunInputs, check_output, write_output

    selected = COMPARISON_FORMATS[compare_format]
    check_output(output, RunInputs.of([before_file, after_file], packs=house_packs))
    with open_advisor(house_packs) as advisor:
        comparison = compare_files(advisor, before_file, after_file, env.stdin)
        content = selected.render(comparison, advisor.rulebook)
    write_output(content if selected.binary else content.decode("utf-8"), output, env.stdout)
    say_written(env, output)
    return ExitStatus.OK
