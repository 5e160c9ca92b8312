"""
What the benchmarks of this folder share: the public data they read, the machine they ran on,
and models built from the training configs with a vocabulary of that data.

The data defaults to the public corpora in ../shared/data (GUM for NER, Re-DocRED for EMD,
relations and coreference), read through the same environment variables as the configs, so a
user points the benchmarks at other data the same way. Models are built with random weights and
without reading GloVe: the embedding matrix has the same size either way, and the cost of a
step does not depend on the values of the weights.
"""

import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Optional

# The variables the user set are recorded first, so that only those override the corpora.
from public_data import PUBLIC_DATA

USER_SET = {name for name in PUBLIC_DATA if name in os.environ}

import torch  # noqa: E402
from allennlp.common import Params  # noqa: E402
from allennlp.data import Vocabulary  # noqa: E402
from allennlp.models import Model  # noqa: E402

import hmtl_allennlp  # noqa: F401, E402  (registers the readers, loader, model and heads)

REPOSITORY = Path(__file__).resolve().parent.parent
# The embedding sizes stay those of the configs; only the file of pretrained vectors is skipped.
# The benchmarks' clocks: "process" is the CPU time of the benchmark's process, which with one
# thread leaves out the time spent waiting for a core that other work holds (on a shared machine
# wall-clock times drift by a factor of two).
CLOCKS = {"wall": time.perf_counter, "process": time.process_time}

NO_PRETRAINED_FILE = {"model.text_field_embedder.token_embedders.tokens.pretrained_file": None}


def use_public_data() -> None:
    """Points the data variables that the user has not set at the public corpora (paths
    relative to the repository root, where the benchmarks run from)."""
    os.chdir(REPOSITORY)
    for name, path in PUBLIC_DATA.items():
        if name not in USER_SET:
            os.environ[name] = path


def data_paths() -> Dict[str, str]:
    return {name: os.environ[name] for name in PUBLIC_DATA}


def machine(threads: Optional[int] = None) -> Dict[str, Any]:
    """The machine, as docs/BENCHMARKS.md reports it."""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model_name = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line),
            platform.processor(),
        )
    except OSError:
        model_name = platform.processor()
    meminfo_path = "/proc/meminfo" if Path("/proc/meminfo").exists() else os.devnull
    with open(meminfo_path) as meminfo:
        total_kb = next(
            (int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0
        )
    return {
        "cpu": model_name,
        "cpu_count": os.cpu_count(),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": threads if threads is not None else torch.get_num_threads(),
        "device": "cpu",
    }


def config_params(config: str, overrides: Optional[Dict[str, Any]] = None) -> Params:
    import json

    all_overrides = {**NO_PRETRAINED_FILE, **(overrides or {})}
    return Params.from_file(str(REPOSITORY / config), params_overrides=json.dumps(all_overrides))


def build_model(params: Params, vocab: Vocabulary) -> Model:
    torch.manual_seed(0)
    return Model.from_params(vocab=vocab, params=params["model"].duplicate())


def newest_quickstart_archive() -> Optional[Path]:
    """The archive of the newest `make quickstart` run, if any."""
    archives = sorted(
        REPOSITORY.glob("output/quickstart-*/model.tar.gz"), key=lambda path: path.stat().st_mtime
    )
    return archives[-1] if archives else None


def shown(path: Path) -> str:
    """The path relative to the repository when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(REPOSITORY))
    except ValueError:
        return str(path)
