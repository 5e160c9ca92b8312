import os
from typing import Any, Dict

from allennlp.common.util import dump_metrics


def rewrite_epoch_metrics(
    serialization_dir: str, epoch: int, metrics: Dict[str, Any], is_primary: bool
) -> None:
    """
    Writes `metrics_epoch_<epoch>.json` again, for callbacks that add to an epoch's metrics in
    `on_epoch`: the trainer writes that file before it calls `on_epoch` (`metrics.json` is
    written from the same dictionary at the end of training, so it has the additions anyway).
    """
    if is_primary and serialization_dir:
        dump_metrics(os.path.join(serialization_dir, f"metrics_epoch_{epoch}.json"), metrics)
