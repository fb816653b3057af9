"""Benchmark: validating and deriving the facts of seeded synthetic accounts, with the base
questionnaire and with a house pack's questions added.

The questionnaire model, the fact catalogue and the derivation plan are built once per rulebook;
every account then costs the same whether or not a house pack adds questions. This prints, for N
accounts of benchmarks/portfolio.py's generator (best of several runs, in one process): the time
to validate them, the time to derive their facts, per account, for the base rulebook and for the
example house pack, and the house/base ratio. Exit code 0 whatever the figures.

Run: .venv/bin/python benchmarks/questions.py [--accounts 1000] [--runs 5] [--seed 7] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import generate_accounts, questionnaire_data

from kamadvisor.facts import derive_facts
from kamadvisor.questionnaire import validate_questionnaire
from kamadvisor.rulebook import Rulebook, load_rulebook
from kamadvisor.sourcefile import SourceDocument

ROOT = Path(__file__).resolve().parents[1]


def measure(
    rulebooks: dict[str, Rulebook], documents: list[SourceDocument], runs: int
) -> dict[str, tuple[float, float]]:
    """Best time to validate and to derive all accounts, per rulebook; the rulebooks take turns
    run by run, so that a change of load on the machine weighs on both alike."""
    prepared: dict[str, tuple[Any, Any, list[Any]]] = {}
    for name, rulebook in rulebooks.items():
        model, weights = rulebook.questionnaire, rulebook.derivation_plan()
        prepared[name] = (model, weights, [validate_questionnaire(d, model) for d in documents])
    best = {name: [math.inf, math.inf] for name in rulebooks}
    for _ in range(runs):
        for name, (model, weights, questionnaires) in prepared.items():
            start = time.perf_counter()
            for document in documents:
                validate_questionnaire(document, model)
            middle = time.perf_counter()
            for questionnaire in questionnaires:
                derive_facts(questionnaire, weights)
            end = time.perf_counter()
            best[name] = [min(best[name][0], middle - start), min(best[name][1], end - middle)]
    return {name: (times[0], times[1]) for name, times in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    accounts = generate_accounts(arguments.accounts, arguments.seed)
    documents = [
        SourceDocument(f"account {index}", questionnaire_data(account))
        for index, account in enumerate(accounts)
    ]
    base = load_rulebook()
    house = load_rulebook(house_packs=[ROOT / "examples" / "house-pack"])
    figures = measure({"base": base, "house": house}, documents, arguments.runs)
    count = len(documents)
    print(f"{count} accounts, best of {arguments.runs} runs")
    print(f"{'rulebook':10s} {'validate ms/account':>20s} {'derive ms/account':>18s}")
    for name, (validating, deriving) in figures.items():
        print(f"{name:10s} {validating * 1000 / count:20.3f} {deriving * 1000 / count:18.3f}")
    (base_v, base_d), (house_v, house_d) = figures["base"], figures["house"]
    print(f"house/base ratio: validate {house_v / base_v:.2f}, derive {house_d / base_d:.2f}")
    if arguments.profile:
        model, weights = house.questionnaire, house.derivation_plan()
        profile = cProfile.Profile()
        profile.enable()
        for document in documents:
            derive_facts(validate_questionnaire(document, model), weights)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
