"""The command line: a thin click layer over the API, with one error boundary.

Exit codes: 0 ok; 1 a check, test or batch record failed; 2 the user's input or usage is wrong;
3 an internal error (the traceback is shown only with --traceback).
"""

from __future__ import annotations

import traceback
from datetime import date
from pathlib import Path
from typing import Any

import click

from kamadvisor import __version__
from kamadvisor.errors import ExitCode, InputError, KamAdvisorError

DATE = click.DateTime(formats=["%Y-%m-%d"])


class _ErrorBoundary(click.Group):
    """Turns every outcome into an exit code; a user's mistake never shows a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            for problem in error.problems:
                click.echo(f"error: {problem.format()}", err=True)
            raise click.exceptions.Exit(error.exit_code) from None
        except KamAdvisorError as error:
            click.echo(f"error: {error}", err=True)
            raise click.exceptions.Exit(error.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            raise click.exceptions.Exit(ExitCode.OK) from None
        except Exception as error:
            if ctx.params.get("show_traceback"):
                traceback.print_exc()
            click.echo(
                f"internal error: {type(error).__name__}: {error} "
                "(rerun with --traceback for details)",
                err=True,
            )
            raise click.exceptions.Exit(ExitCode.INTERNAL_ERROR) from None


@click.group(cls=_ErrorBoundary, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kamadvisor")
@click.option(
    "--traceback", "show_traceback", is_flag=True, help="Show a traceback on internal errors."
)
def cli(show_traceback: bool) -> None:
    """kamadvisor: diagnose key accounts from questionnaires and write advice memos."""


@cli.group()
def questionnaire() -> None:
    """Blank questionnaires and their schema."""


@questionnaire.command("new")
@click.option("--name", default="New account", show_default=True, help="The account's name.")
def questionnaire_new(name: str) -> None:
    """Print a blank questionnaire, every field commented with its meaning and scale."""
    from kamadvisor.blank import blank_questionnaire

    click.echo(blank_questionnaire(name), nl=False)


@questionnaire.command("schema")
def questionnaire_schema() -> None:
    """Print the JSON Schema of a questionnaire (for editors and validators)."""
    import json

    from kamadvisor.questionnaire import Questionnaire

    schema = Questionnaire.model_json_schema()
    click.echo(json.dumps(schema, indent=2, sort_keys=True))


_RULES_OPTION = click.option(
    "--rules",
    "house_packs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A house rule pack layered over the base pack (repeatable; later packs win).",
)


def _as_of(value: Any) -> date | None:
    return value.date() if value is not None else None


@cli.command()
@click.argument("questionnaire_file", metavar="FILE")
@click.option(
    "--date", "as_of", type=DATE, help="Assessment date when the file gives none (YYYY-MM-DD)."
)
@_RULES_OPTION
def assess(questionnaire_file: str, as_of: Any, house_packs: tuple[Path, ...]) -> None:
    """Diagnose one account questionnaire (YAML or JSON, '-' for standard input)."""
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.terminal import print_diagnosis

    with open_advisor(house_packs) as advisor:
        diagnosis = diagnose_file(questionnaire_file, advisor, _as_of(as_of))
    print_diagnosis(diagnosis)


@cli.command()
@click.argument("questionnaire_file", metavar="FILE")
@click.option("-o", "--output", help="Write the memo to this file (default: standard output).")
@click.option(
    "-f",
    "--format",
    "memo_format",
    type=click.Choice(["md"]),
    default="md",
    show_default=True,
    help="Memo format.",
)
@click.option(
    "--date", "as_of", type=DATE, help="Assessment date when the file gives none (YYYY-MM-DD)."
)
@_RULES_OPTION
def memo(
    questionnaire_file: str,
    output: str | None,
    memo_format: str,
    as_of: Any,
    house_packs: tuple[Path, ...],
) -> None:
    """Write the advice memo for one account questionnaire."""
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.output import write_output
    from kamadvisor.render import render_memo

    with open_advisor(house_packs) as advisor:
        diagnosis = diagnose_file(questionnaire_file, advisor, _as_of(as_of))
        text = render_memo(diagnosis, advisor.rulebook, "md")
    write_output(text, output)
    if output and output != "-":
        click.echo(f"wrote {output}", err=True)


@cli.command()
@click.argument("questionnaire_file", metavar="FILE")
@click.argument("rule_id", metavar="RULE_ID")
@_RULES_OPTION
def explain(questionnaire_file: str, rule_id: str, house_packs: tuple[Path, ...]) -> None:
    """Why a rule fired for this questionnaire, or why it did not."""
    from kamadvisor.api import open_advisor
    from kamadvisor.explain import explain_rule
    from kamadvisor.questionnaire import load_questionnaire

    questionnaire = load_questionnaire(questionnaire_file)
    with open_advisor(house_packs) as advisor:
        lines = explain_rule(advisor, questionnaire, rule_id.upper())
    click.echo("\n".join(lines))


@cli.group()
def rules() -> None:
    """Check, test and list rule packs."""


_PACK_ARGUMENT = click.argument("pack_dir", metavar="DIR", type=click.Path(path_type=Path))


@rules.command("check")
@_PACK_ARGUMENT
def rules_check(pack_dir: Path) -> None:
    """Report every problem of a pack at once (file:line:col). Exit 1 on errors."""
    from kamadvisor.packcheck import check_pack

    problems = check_pack(pack_dir)
    for problem in problems:
        click.echo(problem.format_check())
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    click.echo(f"{pack_dir}: {errors} error(s), {warnings} warning(s)")
    if errors:
        raise click.exceptions.Exit(ExitCode.CHECK_FAILED)


@rules.command("test")
@_PACK_ARGUMENT
def rules_test(pack_dir: Path) -> None:
    """Run the pack's own test cases through the real engine. Exit 1 on any failure."""
    from kamadvisor.casetest import CaseRunner, load_cases
    from kamadvisor.rulebook import load_rulebook

    rulebook = load_rulebook(house_packs=[pack_dir])
    cases = load_cases(pack_dir, rulebook)
    runner = CaseRunner(rulebook)
    try:
        results = [runner.run(case) for case in cases]
    finally:
        runner.close()
    failed = [result for result in results if not result.passed]
    for result in failed:
        click.echo(result.explain())
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed or not results:
        if not results:
            click.echo(f"no test cases found in {pack_dir / 'tests'}", err=True)
        raise click.exceptions.Exit(ExitCode.CHECK_FAILED)


@rules.command("list")
@_RULES_OPTION
def rules_list(house_packs: tuple[Path, ...]) -> None:
    """The effective rules and where each comes from."""
    from kamadvisor.rulebook import load_rulebook

    rulebook = load_rulebook(house_packs=list(house_packs))
    click.echo("packs: " + " > ".join(f"{p.name} {p.version}" for p in rulebook.packs))
    for rule in rulebook.rules:
        replaced = f"  (replaces {rule.replaced})" if rule.replaced else ""
        click.echo(
            f"{rule.id:40s} {rule.spec.theme:12s} {rule.spec.severity:8s} "
            f"{rule.origin.pack}  {rule.origin}{replaced}"
        )
    for rule_id, origin in sorted(rulebook.disabled.items()):
        click.echo(f"{rule_id:40s} disabled by {origin.pack}  {origin}")


def main() -> None:
    cli.main(prog_name="kamadvisor")
