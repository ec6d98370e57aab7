"""Cutting one very long chapter into installments and Discord messages.

    python bench/bench_split.py [--sizes 4,10,20,40,50] [--runs 5]

Each story is one chapter of generated prose: ordinary paragraphs, scene
breaks, emphasis, a few very long paragraphs (tens of thousands of words) and
one run-on "paragraph" with no sentence end at all. For each size it times
``cut_installments`` (which also packs every installment into messages) and,
as a baseline over the same text in the same process, ``len(text.split())``.
Prints the median and range over ``--runs`` runs, and how the time grows from
the smallest size to each other one: about as the text grows when the cut is
linear, far faster when it is quadratic.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.library_gen import WORDS, paragraph
from bot.core.installments import MESSAGE_LIMIT, cut_installments
from bot.core.models import SCENE_BREAK, Chapter

MB = 1_000_000


def long_paragraph(rng: random.Random, words: int, *, sentences: bool = True) -> str:
    out: list[str] = []
    n = 0
    while n < words:
        length = rng.randint(6, 30)
        sentence = " ".join(rng.choice(WORDS) for _ in range(length))
        if rng.random() < 0.1:
            sentence = f"**{sentence}**" if rng.random() < 0.5 else f"_{sentence}_"
        if sentences:
            sentence = sentence.capitalize() + rng.choice([".", ".", "!", "?", "..."])
        out.append(sentence)
        n += length
    return " ".join(out)


def chapter(size_mb: float, seed: int = 11) -> Chapter:
    """One chapter of about ``size_mb`` MB: a realistic mix, built from a pool for speed."""
    rng = random.Random(seed)
    pool = [paragraph(rng) for _ in range(4000)]
    pool += [f"_{p}_" for p in pool[:200]] + [f"He thought: **{p}**" for p in pool[200:400]]
    giants = [long_paragraph(rng, rng.randint(5_000, 40_000)) for _ in range(6)]
    run_on = long_paragraph(rng, 30_000, sentences=False)  # no sentence end: cut at spaces only
    target = int(size_mb * MB)
    blocks: list[str] = []
    size = 0
    while size < target:
        roll = rng.random()
        if roll < 0.02:
            block = SCENE_BREAK
        elif roll < 0.0025 + 0.02:
            block = rng.choice(giants)
        else:
            block = rng.choice(pool)
        blocks.append(block)
        size += len(block) + 2
    blocks.insert(len(blocks) // 2, run_on)
    return Chapter("One", tuple(blocks))


def timed(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float], object]:
    """Wall-clock and CPU seconds of each run (CPU time shows through other load on the machine)."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return times, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,10,20,40,50", help="chapter sizes in MB, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    print(
        f"{'size':>7} {'words':>11} {'install.':>9} {'messages':>9} {'split, wall (median, range)':>28} "
        f"{'split, CPU':>11} {'baseline, wall':>24}"
    )
    medians: dict[float, float] = {}
    for size in sizes:
        ch = chapter(size)
        text = ch.text
        cut_times, cut_cpu, result = timed(lambda ch=ch: cut_installments([ch]), args.runs)
        base_times, _, _ = timed(lambda text=text: len(text.split()), args.runs)
        installments = result if isinstance(result, list) else []
        messages = [m for i in installments for m in i.messages]
        assert all(0 < len(m) <= MESSAGE_LIMIT for m in messages)
        medians[size] = statistics.median(cut_times)
        print(
            f"{len(text) / MB:>5.1f}MB {ch.words:>11,} {len(installments):>9,} {len(messages):>9,} "
            f"{medians[size]:>9.2f} s ({min(cut_times):.2f}–{max(cut_times):.2f}) "
            f"{statistics.median(cut_cpu):>9.2f} s "
            f"{statistics.median(base_times):>9.3f} s ({min(base_times):.3f}–{max(base_times):.3f})"
        )
        del ch, text, result, installments, messages
    small = min(sizes)
    for size in sorted(sizes):
        if size != small:
            print(
                f"growth {size:g} MB / {small:g} MB: {medians[size] / medians[small]:.1f}x the time "
                f"for {size / small:.1f}x the text (linear: about the same)"
            )


if __name__ == "__main__":
    main()
