"""What a diagnosis reads of a rulebook, worked out once per rulebook rather than per account.

A loaded rulebook does not change: its rules by id, its themes' ranks, the facts each rule reads
and the answers each placement depends on are the same for every account it diagnoses. Each is
built on first use and dropped with the rulebook.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping
from typing import TypeVar

from kamadvisor.rulebook import Rule, Rulebook

Built = TypeVar("Built")


def per_rulebook(build: Callable[[Rulebook], Built]) -> Callable[[Rulebook], Built]:
    """`build(rulebook)`, computed on the first call for a rulebook and kept while it lives."""
    cache: dict[int, Built] = {}

    @functools.wraps(build)
    def cached(rulebook: Rulebook) -> Built:
        key = id(rulebook)
        if key in cache:
            return cache[key]
        value = cache[key] = build(rulebook)
        weakref.finalize(rulebook, cache.pop, key, None)
        return value

    return cached


class RulebookIndex:
    def __init__(self, rulebook: Rulebook) -> None:
        self._rulebook = weakref.proxy(rulebook)

    @functools.cached_property
    def rules(self) -> Mapping[str, Rule]:
        rules: Mapping[str, Rule] = self._rulebook.rules_by_id()
        return rules

    @functools.cached_property
    def theme_rank(self) -> Mapping[str, tuple[int, str]]:
        return {name: (theme.order, name) for name, theme in self._rulebook.manifest.themes.items()}

    @functools.cached_property
    def referenced_facts(self) -> Mapping[str, tuple[str, ...]]:
        """Rule id -> the facts its condition reads, in the order they first appear."""
        return {rule.id: tuple(rule.referenced_facts()) for rule in self._rulebook.rules}

    @functools.cached_property
    def placement_sources(self) -> Mapping[str, tuple[str, ...]]:
        """Conclusion -> the answers that the account rules deciding it (by concluding,
        signalling or ruling out) read: an unanswered question at or under one of these paths
        leaves the placement less sure. Given-value signals are left out (`given_sources`)."""
        return self._sources(given=False)

    @functools.cached_property
    def given_sources(self) -> Mapping[str, tuple[str, ...]]:
        """Conclusion -> the answers its given-value signals read (a judgement given in place of
        evidence): they count only when no other signal of the placement fired."""
        return self._sources(given=True)

    def _sources(self, *, given: bool) -> Mapping[str, tuple[str, ...]]:
        catalogue = self._rulebook.catalogue("account")
        sources: dict[str, dict[str, None]] = {}
        for rule in self._rulebook.scoped("account"):
            if rule.spec.given != given:
                continue
            produced = (
                set(rule.spec.conclude or {})
                | set(rule.spec.signal or {})
                | set(rule.spec.rules_out or {})
            )
            for name in produced:
                paths = sources.setdefault(name, {})
                for fact in self.referenced_facts[rule.id]:
                    paths.update(dict.fromkeys(catalogue[fact].derived_from))
        return {name: tuple(paths) for name, paths in sources.items()}

    def missing_answers(
        self, name: str, unanswered: list[str], *, decided_by_evidence: bool
    ) -> list[str]:
        """The unanswered paths that the rules deciding `name` would read. Once evidence has
        decided the placement, a given value could no longer change it: its question is not
        missing."""
        sources = self.placement_sources.get(name, ())
        if not decided_by_evidence:
            sources = (*sources, *self.given_sources.get(name, ()))
        return sorted(
            {
                path
                for path in unanswered
                if any(path == source or path.startswith(f"{source}.") for source in sources)
            }
        )


@per_rulebook
def rulebook_index(rulebook: Rulebook) -> RulebookIndex:
    """The rulebook's index, built on first use and dropped with the rulebook."""
    return RulebookIndex(rulebook)
