"""Layering: the packs as read, merged in order into one manifest and one set of rule entries.

A pure merge: no file is read here. A later pack adds rules, replaces a rule by id (it must say
`replace: true`), disables rules by id, declares new themes, parameters and conclusions, sets
parameter values and overrides templates by file name. What the merge itself refuses (a duplicate
id, a replacement of nothing, a parameter declared twice, a setting of an unknown parameter) is a
problem of the layering; what the merged pack then says is checked by packchecks.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kamadvisor.errors import Problem
from kamadvisor.packmodel import (
    Origin,
    PackInfo,
    PackManifest,
    ParameterValue,
    RuleSpec,
    SettingRefused,
    validated_setting,
)
from kamadvisor.packs import PackSource, RawRule, located
from kamadvisor.sourcefile import SourceDocument
from kamadvisor.validation import did_you_mean, problems_from


@dataclass(frozen=True)
class Entry:
    """A rule of the layered pack, validated against its schema, not yet checked."""

    spec: RuleSpec
    raw: RawRule
    origin: Origin
    replaced: Origin | None
    is_base: bool


@dataclass(frozen=True)
class LayeredManifest:
    """A pack's manifest as read, with the document that locates its keys."""

    manifest: PackManifest
    document: SourceDocument
    is_base: bool


@dataclass
class Layered:
    """The packs merged: the effective manifest, rules, parameter values and template folders."""

    manifest: PackManifest | None = None
    manifests: list[LayeredManifest] = field(default_factory=list)
    packs: list[PackInfo] = field(default_factory=list)
    parameter_values: dict[str, ParameterValue] = field(default_factory=dict)
    parameter_documents: dict[str, SourceDocument] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    disabled: dict[str, Origin] = field(default_factory=dict)
    template_dirs: list[Path] = field(default_factory=list)
    # The questions the house packs add, and the base pack's own declaration (checked apart).
    question_documents: list[SourceDocument] = field(default_factory=list)
    base_questions: SourceDocument | None = None
    problems: list[Problem] = field(default_factory=list)


def layer(sources: list[PackSource]) -> Layered:
    """Merge the packs in order; the first is the base."""
    layered = Layered()
    for index, source in enumerate(sources):
        _add_pack(layered, source, is_base=index == 0)
    return layered


def _add_pack(layered: Layered, source: PackSource, is_base: bool) -> None:
    layered.problems.extend(source.problems)
    if source.manifest is None:
        return
    manifest = _validated_manifest(source.manifest, layered.problems)
    if manifest is None:
        return
    _merge_manifest(layered, manifest, source.manifest)
    layered.manifests.append(LayeredManifest(manifest, source.manifest, is_base))
    layered.packs.append(
        PackInfo(name=manifest.name, version=manifest.version, directory=str(source.directory))
    )
    if source.template_dir is not None:
        layered.template_dirs.insert(0, source.template_dir)
    if source.questions is not None and is_base:
        layered.base_questions = source.questions
    elif source.questions is not None:
        layered.question_documents.append(source.questions)
    in_this_pack: dict[str, Origin] = {}
    for raw in source.rules:
        _add_rule(layered, raw, manifest.name, in_this_pack, is_base)
    _disable(layered, manifest, source.manifest)


def _validated_manifest(document: SourceDocument, problems: list[Problem]) -> PackManifest | None:
    if not isinstance(document.data, dict):
        problems.append(
            Problem(
                document.name,
                1,
                1,
                "",
                "a pack manifest is a mapping with at least 'name' and 'version'",
                code="schema",
            )
        )
        return None
    try:
        return PackManifest.model_validate(document.data)
    except ValidationError as error:
        problems.extend(problems_from(error, document, PackManifest, code="schema"))
        return None


def _merge_manifest(layered: Layered, manifest: PackManifest, document: SourceDocument) -> None:
    if layered.manifest is None:
        merged = manifest.model_copy(update={"settings": {}, "disabled": []})
    else:
        layered.problems.extend(_builds_on_problems(layered, manifest, document))
        layered.problems.extend(_redeclared_problems(layered.manifest, manifest, document))
        merged = _merged(layered.manifest, manifest)
    for name, declared in manifest.parameters.items():
        layered.parameter_values.setdefault(name, declared.default)
        layered.parameter_documents.setdefault(name, document)
    _apply_settings(layered, merged, manifest.settings, document)
    layered.manifest = merged


def _merged(earlier: PackManifest, later: PackManifest) -> PackManifest:
    """Themes, causes, roles and references of the later pack win; parameters and conclusions
    are declared once, by the first pack that declares them."""
    return earlier.model_copy(
        update={
            "themes": {**earlier.themes, **later.themes},
            "parameters": {**later.parameters, **earlier.parameters},
            "conclusions": {**later.conclusions, **earlier.conclusions},
            "causes": {**earlier.causes, **later.causes},
            "roles": {**earlier.roles, **later.roles},
            "references": {**earlier.references, **later.references},
            "name": later.name,
            "version": later.version,
            "description": later.description,
        }
    )


def _builds_on_problems(
    layered: Layered, manifest: PackManifest, document: SourceDocument
) -> list[Problem]:
    known = [pack.name for pack in layered.packs]
    return [
        located(
            document,
            ("builds_on", index),
            f"builds on '{name}', which is not layered before it (layered: {', '.join(known)})",
            "builds-on",
        )
        for index, name in enumerate(manifest.builds_on)
        if name not in known
    ]


def _redeclared_problems(
    earlier: PackManifest, manifest: PackManifest, document: SourceDocument
) -> list[Problem]:
    problems: list[Problem] = []
    for key in ("parameters", "conclusions"):
        hint = "; set its value under 'settings'" if key == "parameters" else ""
        for name in getattr(manifest, key):
            if name in getattr(earlier, key):
                problems.append(
                    located(
                        document,
                        (key, name),
                        f"'{name}' is already declared by an earlier pack{hint}",
                        "redeclared",
                    )
                )
    return problems


def _apply_settings(
    layered: Layered, merged: PackManifest, settings: dict[str, Any], document: SourceDocument
) -> None:
    """Each setting validated once against the parameter it sets."""
    for name, value in settings.items():
        spec = merged.parameters.get(name)
        if spec is None:
            message = f"unknown parameter '{name}'{did_you_mean(name, list(merged.parameters))}"
            layered.problems.append(located(document, ("settings", name), message, "unknown-param"))
            continue
        try:
            layered.parameter_values[name] = validated_setting(name, spec, value)
        except SettingRefused as refused:
            message = str(refused)
            layered.problems.append(located(document, ("settings", name), message, "param-type"))


def _add_rule(
    layered: Layered, raw: RawRule, pack: str, in_this_pack: dict[str, Origin], is_base: bool
) -> None:
    try:
        spec = RuleSpec.model_validate(raw.data)
    except ValidationError as error:
        layered.problems.extend(
            problems_from(error, raw.document, RuleSpec, raw.base, code="schema")
        )
        return
    origin = Origin(pack=pack, file=raw.document.name, line=raw.line)
    if spec.id in in_this_pack:
        message = f"duplicate rule id '{spec.id}' (first defined at {in_this_pack[spec.id]})"
        layered.problems.append(located(raw.document, (*raw.base, "id"), message, "duplicate-id"))
        return
    in_this_pack[spec.id] = origin
    earlier = layered.entries.get(spec.id)
    problem = _replacement_problem(spec, raw, earlier, list(layered.entries))
    if problem is not None:
        layered.problems.append(problem)
        return
    replaced = earlier.origin if earlier is not None else None
    layered.entries[spec.id] = Entry(spec, raw, origin, replaced, is_base)


def _replacement_problem(
    spec: RuleSpec, raw: RawRule, earlier: Entry | None, known: list[str]
) -> Problem | None:
    """An earlier id without `replace: true`, or a `replace` of nothing."""
    if earlier is not None and not spec.replace:
        message = (
            f"rule '{spec.id}' is already defined at {earlier.origin}; add 'replace: true' "
            "to replace it"
        )
        return located(raw.document, (*raw.base, "id"), message, "duplicate-id")
    if earlier is None and spec.replace:
        message = (
            f"'{spec.id}' replaces nothing: no earlier pack defines it"
            f"{did_you_mean(spec.id, known)}"
        )
        return located(raw.document, (*raw.base, "replace"), message, "unknown-rule")
    return None


def _disable(layered: Layered, manifest: PackManifest, document: SourceDocument) -> None:
    for index, rule_id in enumerate(manifest.disabled):
        if rule_id in layered.entries:
            del layered.entries[rule_id]
            line = (document.locate(("disabled", index)) or (1, 1))[0]
            layered.disabled[rule_id] = Origin(pack=manifest.name, file=document.name, line=line)
        else:
            layered.problems.append(
                located(
                    document,
                    ("disabled", index),
                    f"cannot disable '{rule_id}': no earlier rule has that id"
                    f"{did_you_mean(rule_id, list(layered.entries))}",
                    "unknown-rule",
                )
            )
