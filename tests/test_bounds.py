"""Pack texts render within bounds: legitimate templates are untouched, every limit stops a render
with a located error, and the wall-time limit is the pack's parameter."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kamadvisor.bounds import LimitExceeded, RenderFailure, RenderLimits, render_bounded
from kamadvisor.cli import cli
from kamadvisor.sandbox import render_snippet, sandboxed_environment

ROOT = Path(__file__).resolve().parents[1]
NORTHWIND = str(ROOT / "examples" / "northwind-foods.yaml")


def test_ordinary_template_features_still_work() -> None:
    text = (
        "{% set labels = {} %}{% for s in scales %}{% set _ = labels.update({s.v: s.l}) %}"
        "{% endfor %}{{ labels.a }} {{ 'x' * 3 }} {{ 2 ** 10 }} {{ 7 // 2 }} {{ '%05.1f' % 3.14159 }}"
        " {{ items|join(', ') }} {% for i in range(3) %}{{ loop.index }}/{{ loop.length }} "
        "{% endfor %}{{ 'ab'|center(6) }}|{{ 1234567.891|round(1) }} {{ 'a' ~ 'b' }}"
    )
    context = {"scales": [{"v": "a", "l": "Alpha"}], "items": ["x", "y"]}
    assert (
        render_snippet(text, context) == "Alpha xxx 1024 3 003.1 x, y 1/3 2/3 3/3 ab |1234567.9 ab"
    )


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("{{ 9 ** (9 ** 9) }}", "integer"),
        ("{{ (2 ** 200) * (2 ** 200) }}", "integer"),
        ("{{ 'x' * 10 ** 10 }}", "size"),
        ("{{ [0] * 10 ** 9 }}", "size"),
        ("{{ range(10 ** 9)|length }}", "loop"),
        ("{% for i in range(999) %}{% for j in range(999) %}{% endfor %}{% endfor %}", "loop"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "recursion"),
        ("{{ '%099999999d' % 1 }}", "size"),
        ("{{ '{:099999999}'.format(1) }}", "size"),
        ("{{ 'x'.ljust(10 ** 8) }}", "size"),
        ("{{ 'x'|indent(10 ** 8) }}", "size"),
        ("{{ [1, 2]|batch(10 ** 8)|list }}", "size"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "output",
        ),
    ],
)
def test_each_limit_stops_a_render_and_names_itself(text: str, limit: str) -> None:
    with pytest.raises(RenderFailure, match=f"{limit} limit exceeded") as raised:
        render_snippet(text, {})
    assert raised.value.lineno == 1


def test_the_deadline_stops_a_render_that_stays_within_every_other_limit() -> None:
    environment = sandboxed_environment()
    template = environment.from_string(
        "{% for i in range(2000) %}{% for j in range(900) %}{{ j }}{% endfor %}{% endfor %}"
    )
    limits = RenderLimits(seconds=0.05, output_chars=10**9, iterations=10**9)
    with pytest.raises(
        RenderFailure, match=r"time limit exceeded: rendering took longer than 0\.05 s"
    ):
        render_bounded(template, {}, limits)


def test_errors_of_a_template_name_its_line() -> None:
    environment = sandboxed_environment()
    template = environment.from_string("line one\n{{ 1 // 0 }}\n")
    with pytest.raises(RenderFailure, match="division by zero") as raised:
        render_bounded(template, {}, RenderLimits())
    assert raised.value.lineno == 2


def test_limit_exceeded_is_a_sandbox_refusal() -> None:
    # A render stopped by a limit is reported as the sandbox's own refusal, never retried as data.
    from jinja2.exceptions import SecurityError

    assert issubclass(LimitExceeded, SecurityError)


def _pack(tmp_path: Path, seconds: float) -> Path:
    pack = tmp_path / "pack"
    (pack / "templates").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: slow\nversion: '1'\nbuilds_on: [kamadvisor-base]\n"
        f"settings:\n  render_time_limit_seconds: {seconds}\n",
        encoding="utf-8",
    )
    # 150,000 iterations of three checked joins: within the loop limit, and about 3 s of work
    # on an idle machine, so far from the 0.1 s limit whatever the machine's speed.
    (pack / "templates" / "memo.md.j2").write_text(
        "# {{ account.name }}\n"
        "{% for i in range(1500) %}{% for j in range(100) %}"
        "{% set s = (j ~ i) ~ (i ~ j) %}{% endfor %}{% endfor %}done\n",
        encoding="utf-8",
    )
    return pack


def test_the_render_time_limit_is_the_packs_parameter(tmp_path: Path) -> None:
    fast = CliRunner().invoke(cli, ["memo", NORTHWIND, "--rules", str(_pack(tmp_path / "a", 0.1))])
    assert fast.exit_code == 2, fast.output
    assert "memo.md.j2:2" in fast.stderr
    assert "time limit exceeded: rendering took longer than 0.1 s" in fast.stderr
    patient = CliRunner().invoke(
        cli, ["memo", NORTHWIND, "--rules", str(_pack(tmp_path / "b", 60))]
    )
    assert patient.exit_code == 0, patient.output
    assert patient.stdout.endswith("done\n")
