"""
Peak memory and time of predicting one document with the "hmtl" predictor, for the documents
that used to cost the most and for documents of growing length: that memory stays bounded and
time grows roughly linearly in the number of tokens, whatever the document.

    .venv/bin/python benchmarks/predict_memory.py [--archive ARCHIVE] [--cases ...]
        [--threads 1] [--repeats 2] [--output benchmarks/results/predict_memory.json]

Cases (raw text, built from the sentences of fixtures/sample/dev.jsonl, repeated as needed):

- `long_token`: 1,400 tokens of text plus one token of 10,000 characters (a character encoder
  pads every token to the longest one: `max_token_characters` caps it);
- `no_punctuation`: 3,000 words without any punctuation, one sentence for the sentencizer
  (relation candidate pairs are quadratic in a sentence: `max_sentence_tokens` splits it, and
  the relation head's `max_mentions_per_sentence` bounds the pairs of a piece);
- `tokens_1000`, `tokens_4000`, `tokens_16000`: text of that many tokens (parts of at most
  `max_document_tokens` = 4,000 tokens are predicted one after the other).

Each case runs in a fresh subprocess, so that its peak resident memory (getrusage maxrss, which
sees torch's allocations) is its own. Reported: the peak of the whole process, and its growth
during the prediction (the process holds Python, AllenNLP and the model before); the time is
the best of `repeats` predictions of the document. The archive
defaults to the newest quick-start archive (output/quickstart-*/model.tar.gz).
"""

import argparse
import bisect
import json
import logging
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import List

import torch

from benchmark_setup import REPOSITORY, machine, newest_quickstart_archive, shown

SAMPLE = REPOSITORY / "fixtures" / "sample" / "dev.jsonl"
CASES = ["long_token", "no_punctuation", "tokens_1000", "tokens_4000", "tokens_16000"]
LONG_TOKEN_CHARACTERS = 10_000


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def sample_words(num_words: int, punctuation: bool) -> List[str]:
    """`num_words` tokens of the sample's dev sentences, in order, repeated as needed."""
    sentences = [
        sentence
        for line in SAMPLE.read_text(encoding="utf-8").splitlines()
        if line.strip()
        for sentence in json.loads(line)["sentences"]
    ]
    words: List[str] = []
    while len(words) < num_words:
        for sentence in sentences:
            words.extend(word for word in sentence if punctuation or word.isalnum())
    return words[:num_words]


def case_text(case: str) -> str:
    if case == "long_token":
        return " ".join(sample_words(1400, punctuation=True) + ["a" * LONG_TOKEN_CHARACTERS])
    if case == "no_punctuation":
        return " ".join(sample_words(3000, punctuation=False))
    return " ".join(sample_words(int(case.split("_")[1]), punctuation=True))


def measure(case: str, archive: Path, threads: int, repeats: int) -> dict:
    """One case, in this process."""
    from hmtl_allennlp.modules.heads.relation import MAX_MENTIONS_PER_SENTENCE
    from hmtl_allennlp.predictors import HmtlPredictor

    torch.set_num_threads(threads)
    logging.getLogger("allennlp").setLevel(logging.WARNING)
    predictor = HmtlPredictor.from_path(archive)
    text = case_text(case)
    # A warm-up on a short text: the first call loads spaCy's pipeline.
    predictor.predict("Marie Curie was born in Warsaw.")
    before = maxrss_mb()
    seconds = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        output = predictor.predict(text)
        seconds = min(seconds, time.perf_counter() - start)
    peak = maxrss_mb()
    if "error" in output:
        raise RuntimeError(output["error"])
    tokens = sum(len(sentence) for sentence in output["sentences"])
    # The relation candidates: ordered pairs of the (first 64) mentions of each piece.
    pieces = predictor._read_document({"text": text}).model_view.sentences
    piece_starts = [0]
    for piece in pieces:
        piece_starts.append(piece_starts[-1] + len(piece))
    per_piece = Counter(
        bisect.bisect_right(piece_starts, mention["start"]) for mention in output["mentions"]
    )
    capped = [min(count, MAX_MENTIONS_PER_SENTENCE) for count in per_piece.values()]
    return {
        "case": case,
        "characters": len(text),
        "tokens": tokens,
        "longest_token": max(len(token) for sentence in output["sentences"] for token in sentence),
        "longest_sentence": max(len(sentence) for sentence in output["sentences"]),
        "parts": len(output.get("segments", [None])),
        "pieces": len(pieces),
        "mentions": len(output["mentions"]),
        "candidate_pairs": sum(count * (count - 1) for count in capped),
        "relations": len(output.get("relations", [])),
        "seconds": round(seconds, 2),
        "ms_per_token": round(1000 * seconds / tokens, 2),
        "peak_rss_mb": round(peak),
        "growth_mb": round(peak - before),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=CASES)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--repeats", type=int, default=2, help="predictions timed (the best)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the subprocess's case
    parser.add_argument(
        "--output", type=Path, default=REPOSITORY / "benchmarks/results/predict_memory.json"
    )
    arguments = parser.parse_args()
    archive = arguments.archive or newest_quickstart_archive()
    if archive is None:
        parser.error("no --archive given and no output/quickstart-*/model.tar.gz found")
    if arguments.one is not None:
        print(json.dumps(measure(arguments.one, archive, arguments.threads, arguments.repeats)))
        return

    rows = []
    for case in arguments.cases:
        completed = subprocess.run(
            [sys.executable, __file__, "--one", case, "--archive", str(archive),
             "--threads", str(arguments.threads), "--repeats", str(arguments.repeats)],  # fmt: skip
            capture_output=True,
            text=True,
        )
        if completed.returncode != 0:
            sys.stderr.write(completed.stderr[-3000:])
            rows.append({"case": case, "error": completed.stderr.strip().splitlines()[-1]})
            continue
        rows.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    print(f"{'case':>15} {'tokens':>7} {'parts':>5} {'mentions':>8} {'pairs':>7} "
          f"{'seconds':>8} {'ms/token':>8} {'peak MB':>8} {'growth MB':>9}")  # fmt: skip
    for row in rows:
        if "error" in row:
            print(f"{row['case']:>15} failed: {row['error']}")
            continue
        print(
            f"{row['case']:>15} {row['tokens']:>7} {row['parts']:>5} {row['mentions']:>8} "
            f"{row['candidate_pairs']:>7} {row['seconds']:>8} {row['ms_per_token']:>8} "
            f"{row['peak_rss_mb']:>8} {row['growth_mb']:>9}"
        )
    report = {
        "command": f"python benchmarks/predict_memory.py --archive {shown(archive)} --cases "
        + " ".join(arguments.cases)
        + f" --threads {arguments.threads} --repeats {arguments.repeats}",
        "archive": shown(archive),
        "machine": machine(arguments.threads),
        "note": "one document per fresh process, predictor defaults; seconds: the best of the "
        "repeats; peak_rss_mb is getrusage maxrss, growth_mb its growth during the predictions",
        "results": rows,
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {shown(arguments.output)}")


if __name__ == "__main__":
    main()
