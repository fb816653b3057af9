"""Resource bounds for text from rule packs rendered in Jinja's sandbox.

The sandbox stops attribute escapes; it does not stop a template from asking for `9**(9**9)`,
`'x' * 10**10`, nested loops over large ranges or endless recursion. This environment intercepts
the operators and calls that can grow without bound, counts loop iterations, nested calls and
output, and checks a wall-time deadline at each of them, so every render ends within its limits
with a located error instead of exhausting the machine.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any

from jinja2 import Template, TemplateError, nodes
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

# A format width or precision of seven digits or more asks for megabytes of padding.
_HUGE_FORMAT_NUMBER = re.compile(r"\d{7,}")
_SIZE_ARGUMENT_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_SIZE_ARGUMENT_FILTERS = frozenset(
    {"center", "indent", "wordwrap", "truncate", "batch", "slice", "filesizeformat", "round"}
)
# Filters left out of pack templates: lipsum writes any amount of text and random is not
# deterministic.
_REMOVED_FILTERS = ("random",)
_REMOVED_GLOBALS = ("lipsum",)


@dataclass(frozen=True)
class RenderLimits:
    """What one render may use. `seconds` comes from the pack (`render_time_limit_seconds`)."""

    seconds: float = 5.0
    output_chars: int = 4_000_000
    iterations: int = 2_000_000
    call_depth: int = 40
    items: int = 1_000_000
    integer_bits: int = 256
    size_argument: int = 10_000

    def scaled(self, factor: int) -> RenderLimits:
        """Limits for a render whose legitimate work grows with `factor` (accounts in a report)."""
        factor = max(1, factor)
        return replace(
            self,
            seconds=self.seconds * factor,
            output_chars=self.output_chars * factor,
            iterations=self.iterations * factor,
            items=self.items * factor,
        )


SNIPPET_LIMITS = RenderLimits(output_chars=100_000, iterations=100_000)
DEFAULT_SECONDS = 5.0


def template_limits(params: Mapping[str, Any], scale: int = 1) -> RenderLimits:
    """The limits of a memo or report template under the pack's `render_time_limit_seconds`."""
    return replace(RenderLimits(), seconds=_seconds(params)).scaled(scale)


def snippet_limits(params: Mapping[str, Any]) -> RenderLimits:
    """An advice or action text: the same time as a template (its loop and output limits, a
    twentieth of a template's, keep it far shorter in practice)."""
    return _snippet_limits(_seconds(params))


@functools.lru_cache(maxsize=64)
def _snippet_limits(seconds: float) -> RenderLimits:
    return replace(SNIPPET_LIMITS, seconds=seconds)


def _seconds(params: Mapping[str, Any]) -> float:
    value = params.get("render_time_limit_seconds", DEFAULT_SECONDS)
    return float(value) if isinstance(value, int | float) else DEFAULT_SECONDS


class LimitExceeded(SecurityError):
    """A render asked for more than its limits allow."""

    def __init__(self, limit: str, detail: str) -> None:
        self.limit = limit
        super().__init__(f"{limit} limit exceeded: {detail}")


class RenderFailure(TemplateError):
    """An error raised while a pack's text rendered, located at the template's line."""

    def __init__(self, message: str, filename: str | None, lineno: int | None) -> None:
        super().__init__(message)
        self.filename = filename
        self.lineno = lineno


@dataclass
class _Budget:
    limits: RenderLimits
    deadline: float
    iterations: int = 0
    output: int = 0
    depth: int = 0
    started: float = field(default_factory=time.monotonic)

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded("time", f"rendering took longer than {self.limits.seconds:g} s")


_BUDGET: ContextVar[_Budget | None] = ContextVar("kamadvisor_render_budget", default=None)
_UNBOUNDED_DEFAULT = RenderLimits()
_PASSED_ARGUMENTS = (Context, EvalContext, SandboxedEnvironment)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:
        # Outside `render_bounded` (a template rendered directly): the same limits, fresh.
        budget = _Budget(_UNBOUNDED_DEFAULT, time.monotonic() + _UNBOUNDED_DEFAULT.seconds)
        _BUDGET.set(budget)
    return budget


class _BoundLoopsAndJoins(NodeTransformer):
    """Every `for` iterates through `environment.bounded_iter` and every `~` join passes
    `environment.bounded_text`, so loops are counted and joined strings measured."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _environment_call("bounded_iter", node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _environment_call("bounded_text", node)


def _environment_call(method: str, argument: nodes.Node) -> nodes.Call:
    call = nodes.Call(nodes.EnvironmentAttribute(method), [argument], [], None, None)
    call.set_lineno(argument.lineno)
    return call


class BoundedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with resource bounds on operators, calls, loops, joins and output."""

    intercepted_binops = frozenset({"**", "*", "+", "%", "//"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in _REMOVED_FILTERS:
            self.filters.pop(name, None)
        for name in _REMOVED_GLOBALS:
            self.globals.pop(name, None)
        self.globals["range"] = self.bounded_range
        self.guard_filters()

    def guard_filters(self) -> None:
        """Bound every filter, including those added after construction."""
        self.filters = {name: _guarded_filter(name, f) for name, f in self.filters.items()}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        transformed: nodes.Template = _BoundLoopsAndJoins().visit(tree)
        return transformed

    # Called from compiled templates.
    def bounded_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        budget = _budget()
        limit = budget.limits.iterations
        for item in iterable:
            budget.iterations += 1
            if budget.iterations > limit:
                raise LimitExceeded("loop", f"more than {limit:,} loop iterations in one render")
            budget.tick()
            yield item

    def bounded_text(self, value: Any) -> Any:
        _check_size(value, _budget())
        return value

    def bounded_range(self, *args: int) -> range:
        budget = _budget()
        numbers = range(*args)
        if len(numbers) > budget.limits.iterations:
            raise LimitExceeded(
                "loop", f"range of {len(numbers):,} items (at most {budget.limits.iterations:,})"
            )
        return numbers

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = _budget()
        budget.tick()
        _check_binop(operator, left, right, budget.limits)
        result = super().call_binop(context, operator, left, right)
        _check_size(result, budget)
        return result

    def call(
        __self,  # the sandbox's own signature, so keyword arguments pass through
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        budget = _budget()
        budget.tick()
        _check_method_call(__obj, args, budget.limits)
        budget.depth += 1
        try:
            if budget.depth > budget.limits.call_depth:
                raise LimitExceeded(
                    "recursion", f"calls nested deeper than {budget.limits.call_depth} levels"
                )
            result = SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)
        finally:
            budget.depth -= 1
        _check_size(result, budget)
        receiver = getattr(__obj, "__self__", None)
        if isinstance(receiver, list | dict | set):
            _check_size(receiver, budget)
        return result


def _guarded_filter(name: str, function: Any) -> Any:
    """A filter whose size arguments and result are bounded; keeps the filter's pass_* marks."""
    if getattr(function, "_kamadvisor_guarded", False):
        return function
    sized = name in _SIZE_ARGUMENT_FILTERS

    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        budget.tick()
        values = [v for v in (*args, *kwargs.values()) if not isinstance(v, _PASSED_ARGUMENTS)]
        if sized:
            for value in values[1:]:
                _check_size_argument(value, budget.limits, f"filter '{name}'")
        if name == "format" and values and isinstance(values[0], str):
            _check_format_string(values[0])
        if name == "replace":
            _check_replace(values, budget.limits)
        result = function(*args, **kwargs)
        _check_size(result, budget)
        return result

    for mark in ("jinja_pass_arg",):
        if hasattr(function, mark):
            setattr(guarded, mark, getattr(function, mark))
    guarded.__name__ = getattr(function, "__name__", name)
    guarded._kamadvisor_guarded = True  # type: ignore[attr-defined]
    return guarded


def _check_binop(operator: str, left: Any, right: Any, limits: RenderLimits) -> None:
    integers = _is_int(left) and _is_int(right)
    if operator == "**" and integers:
        bits = max(abs(left), 1).bit_length() * max(right, 0)
        if bits > limits.integer_bits:
            raise LimitExceeded(
                "integer",
                f"{left} ** {right} would have about {bits:,} bits (at most {limits.integer_bits})",
            )
    elif operator == "*" and integers:
        bits = abs(left).bit_length() + abs(right).bit_length()
        if bits > limits.integer_bits:
            raise LimitExceeded("integer", f"a product of about {bits:,} bits")
    elif operator == "*":
        for sequence, count in ((left, right), (right, left)):
            if isinstance(sequence, str | list | tuple) and _is_int(count):
                size = len(sequence) * max(count, 0)
                if size > limits.output_chars:
                    raise LimitExceeded(
                        "size", f"repeating {len(sequence):,} items {count:,} times"
                    )
    elif operator == "+" and isinstance(left, Sized) and isinstance(right, Sized):
        size = len(left) + len(right)
        if size > limits.output_chars:
            raise LimitExceeded("size", f"joining {size:,} characters or items")
    elif operator == "%" and isinstance(left, str):
        _check_format_string(left)


def _check_method_call(function: Any, args: tuple[Any, ...], limits: RenderLimits) -> None:
    receiver = getattr(function, "__self__", None)
    wrapped = getattr(function, "__wrapped__", None)
    if receiver is None and wrapped is not None:
        receiver = getattr(wrapped, "__self__", None)
    if not isinstance(receiver, str):
        return
    method = getattr(function, "__name__", "")
    if method in _SIZE_ARGUMENT_METHODS:
        for value in args:
            _check_size_argument(value, limits, f"str.{method}")
    elif method in ("format", "format_map"):
        _check_format_string(receiver)
    elif method == "replace":
        _check_replace([receiver, *args], limits)


def _check_size_argument(value: Any, limits: RenderLimits, where: str) -> None:
    if _is_int(value) and abs(value) > limits.size_argument:
        raise LimitExceeded(
            "size", f"{where} with a size of {value:,} (at most {limits.size_argument:,})"
        )


def _check_format_string(text: str) -> None:
    if _HUGE_FORMAT_NUMBER.search(text):
        raise LimitExceeded("size", "a format width or precision of a million or more")


def _check_replace(values: list[Any], limits: RenderLimits) -> None:
    if len(values) >= 3 and all(isinstance(v, str) for v in values[:3]):
        text, old, new = values[:3]
        occurrences = len(text) + 1 if not old else text.count(old)
        size = len(text) + occurrences * max(len(new) - len(old), 0)
        if size > limits.output_chars:
            raise LimitExceeded("size", f"a replacement of about {size:,} characters")


def _check_size(value: Any, budget: _Budget) -> None:
    if isinstance(value, str):
        if len(value) > budget.limits.output_chars:
            raise LimitExceeded(
                "output",
                f"a text of {len(value):,} characters (at most {budget.limits.output_chars:,})",
            )
    elif isinstance(value, list | tuple | dict | set) and len(value) > budget.limits.items:
        raise LimitExceeded(
            "size", f"a collection of {len(value):,} items (at most {budget.limits.items:,})"
        )
    elif _is_int(value) and value.bit_length() > budget.limits.integer_bits:
        raise LimitExceeded("integer", f"an integer of {value.bit_length():,} bits")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def render_bounded(template: Template, context: Mapping[str, Any], limits: RenderLimits) -> str:
    """Render `template` within `limits`; any failure is a RenderFailure (or TemplateError)
    carrying the template's name and line."""
    budget = _Budget(limits, time.monotonic() + limits.seconds)
    token = _BUDGET.set(budget)
    try:
        parts: list[str] = []
        for chunk in template.generate(**context):
            budget.output += len(chunk)
            if budget.output > limits.output_chars:
                raise LimitExceeded(
                    "output", f"more than {limits.output_chars:,} characters of output"
                )
            budget.tick()
            parts.append(chunk)
        return "".join(parts)
    except RecursionError as error:
        raise _located(
            template,
            "recursion limit exceeded: a macro, include or extends calls itself without end",
            error.__traceback__,
        ) from None
    except TemplateError as error:
        if getattr(error, "lineno", None) is not None and not isinstance(error, LimitExceeded):
            raise
        raise _located(template, str(error), error.__traceback__) from None
    except (ArithmeticError, ValueError, TypeError, LookupError, AttributeError) as error:
        reason = str(error) or type(error).__name__
        raise _located(template, f"{_describe(error)}: {reason}", error.__traceback__) from None
    finally:
        _BUDGET.reset(token)


def _describe(error: Exception) -> str:
    if isinstance(error, ZeroDivisionError):
        return "division by zero"
    if isinstance(error, OverflowError):
        return "number too large"
    return type(error).__name__


def _located(template: Template, message: str, trace: TracebackType | None) -> RenderFailure:
    """The innermost template frame of `trace` (Jinja rewrites tracebacks to template lines)."""
    names = {template.filename or "<template>", "<template>"}
    filename, line = template.filename, None
    while trace is not None:
        code = trace.tb_frame.f_code.co_filename
        if code in names or code.endswith((".j2", ".jinja", ".html", ".md")):
            filename, line = code, trace.tb_lineno
        trace = trace.tb_next
    return RenderFailure(message, None if filename == "<template>" else filename, line)


def private_reads(tree: nodes.Template) -> list[tuple[str, int]]:
    """Names of private attributes a template reads, however it spells them (`x._a`,
    `x['_a']`, `x|attr('_a')`), with their lines: the sandbox refuses them at render time."""
    found: list[tuple[str, int]] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name: Any = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            argument = node.args[0]
            name = argument.value if isinstance(argument, nodes.Const) else None
        if isinstance(name, str) and name.startswith("_"):
            found.append((name, node.lineno))
    return found
