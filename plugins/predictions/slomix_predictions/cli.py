"""``slomix ratings rebuild`` and ``slomix ratings evaluate [--json]``."""

from __future__ import annotations

import argparse
import sys
import time

import msgspec

from slomix.kernel import ExitCode, Kernel, SubCommand, console

from . import service
from .replay import Evaluation


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    rebuild = actions.add_parser("rebuild", help="rate the whole stopwatch history again, from scratch")
    rebuild.add_argument("--json", action="store_true")
    evaluate = actions.add_parser("evaluate", help="rebuild, then print the walk-forward scores of the model "
                                                    "and its baselines (coin, dpm_share, elo)")
    evaluate.add_argument("--json", action="store_true")


def figures(evaluation: Evaluation) -> dict:
    """What ``evaluate --json`` prints (the issue's shape, plus the draws left out and the version)."""
    return {"n": evaluation.n, "draws": evaluation.draws, "model_version": evaluation.model_version,
            "beta": evaluation.beta, "weights": evaluation.weights,
            "model": msgspec.to_builtins(evaluation.model),
            "baselines": msgspec.to_builtins(evaluation.baselines),
            "reliability": evaluation.reliability}


def _print(evaluation: Evaluation) -> None:
    rows = [["model", *_cells(evaluation.model)]]
    rows += [[name, *_cells(score)] for name, score in evaluation.baselines.items()]
    console.out.print(console.table(["", "brier", "log loss", "accuracy"], rows,
                                    title=f"Walk-forward over {evaluation.n} decided maps "
                                          f"({evaluation.draws} draws left out)"))
    console.out.print(console.table(["mean p", "observed", "maps"],
                                    [[f"{p:.3f}", f"{o:.3f}", int(n)] for p, o, n in evaluation.reliability],
                                    title="Reliability (5 bins)"))
    verdict = "beats" if evaluation.beats_baselines else "does not beat"
    console.out.print(f"The model {verdict} every baseline on log loss (margin {evaluation.margin():+.4f}); "
                      f"predictions are {'published' if evaluation.beats_baselines else 'kept unpublished'}.",
                      highlight=False)


def _cells(score) -> list[str]:
    return [f"{score.brier:.4f}", f"{score.log_loss:.4f}", f"{score.accuracy:.3f}"]


async def _run(args: argparse.Namespace, kernel: Kernel) -> int:
    async with kernel:
        started = time.perf_counter()
        evaluation, maps = await service.rebuild(kernel.db.pool)
        seconds = time.perf_counter() - started
    if args.action == "rebuild":
        if args.json:
            sys.stdout.write(msgspec.json.encode({"maps": maps, "seconds": round(seconds, 3)}).decode() + "\n")
        else:
            console.out.print(f"rated {maps} stopwatch maps in {seconds:.2f} s", highlight=False)
        return ExitCode.OK
    if args.json:
        sys.stdout.write(msgspec.json.encode(figures(evaluation)).decode() + "\n")
    else:
        _print(evaluation)
    return ExitCode.OK


def subcommands() -> list[SubCommand]:
    return [SubCommand("ratings", "player ratings from the stopwatch history: rebuild them, evaluate the "
                                  "predictions walk-forward", _configure, _run)]
