"""`rules check|test|list`: a pack's problems, its own test cases, the effective rules."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus


def check(env: Environment, pack_dir: Path, check_format: str = "text") -> ExitStatus:
    from kamadvisor.checkreport import CheckFormat, counts, render_check
    from kamadvisor.packcheck import check_pack

    problems = check_pack(pack_dir)
    env.echo(render_check(problems, pack_dir, cast(CheckFormat, check_format)), nl=False)
    errors, _ = counts(problems)
    return ExitStatus.CHECK_FAILED if errors else ExitStatus.OK


def test(env: Environment, pack_dir: Path) -> ExitStatus:
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
        env.echo(result.explain())
    env.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if not results:
        env.say(f"no test cases found in {pack_dir / 'tests'}")
    return ExitStatus.CHECK_FAILED if failed or not results else ExitStatus.OK


def list_rules(env: Environment, house_packs: tuple[Path, ...]) -> ExitStatus:
    from kamadvisor.rulebook import load_rulebook

    rulebook = load_rulebook(house_packs=list(house_packs))
    env.echo("packs: " + " > ".join(f"{p.name} {p.version}" for p in rulebook.packs))
    for rule in rulebook.rules:
        replaced = f"  (replaces {rule.replaced})" if rule.replaced else ""
        env.echo(
            f"{rule.id:40s} {rule.spec.theme:12s} {rule.spec.severity:8s} "
            f"{rule.origin.pack}  {rule.origin}{replaced}"
        )
    for rule_id, origin in sorted(rulebook.disabled.items()):
        env.echo(f"{rule_id:40s} disabled by {origin.pack}  {origin}")
    return ExitStatus.OK
