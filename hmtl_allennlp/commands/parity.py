"""
Whether `allennlp predict` outputs what `allennlp evaluate` scores: the scores that evaluation
reports for an archive and data files, next to the scores of the "hmtl" predictor's outputs on
the same files' documents, scored against their gold annotations with the same metrics.
"""

import json
from typing import Dict, Iterator, List, Mapping, Sequence, Tuple, cast

from allennlp.commands.evaluate import evaluate_from_archive
from allennlp.common.util import JsonDict
from allennlp.predictors import Predictor

from hmtl_allennlp.common.documents import GoldDocument
from hmtl_allennlp.common.levels import COREFERENCE, RELATIONS
from hmtl_allennlp.dataset_readers.document_reader import GoldDocumentReader, task_readers
from hmtl_allennlp.metrics.prediction_scores import score_predictions
from hmtl_allennlp.models.hmtl import HierarchicalMultiTaskModel

# Besides each level's main score, the scores compared for a level of each kind: relations
# with boundaries only, and what makes up the coreference F1.
EXTRA_METRICS = {
    RELATIONS: ["boundaries_f1"],
    COREFERENCE: ["muc_f1", "b3_f1", "ceafe_f1"],
}


def compared_metrics(model: HierarchicalMultiTaskModel) -> List[str]:
    """The metrics that parity compares for `model`: each level's main one, and its extras."""
    names = []
    for level, kind in model.level_kinds().items():
        names.append(model.main_metrics()[level])
        names.extend(f"{level}_{name}" for name in EXTRA_METRICS.get(kind, []))
    return names


def prediction_parity(
    archive_path: str, data_paths: Dict[str, str], batch_size: int = 8
) -> Dict[str, Tuple[float, float]]:
    """
    {metric: (what `allennlp evaluate` reports, what the predictions score)} for the tasks of
    `data_paths` ({task: data file}, as `allennlp evaluate` takes them for an HMTL archive).
    The predictor reads each file's documents as the archive's reader of the task parses them,
    given as tokenized sentences (with their gold mentions, which only a model that takes gold
    mentions uses), in batches of `batch_size` documents.
    """
    evaluated = evaluate_from_archive(archive_path, json.dumps(data_paths))
    predictor = Predictor.from_path(archive_path, "hmtl")
    model = cast(HierarchicalMultiTaskModel, predictor._model)
    level_kinds = model.level_kinds()
    compared: Dict[str, Tuple[float, float]] = {}
    for _, documents, outputs in predict_files(predictor, data_paths, batch_size):
        predicted: Dict[str, float] = {}
        for task in documents:
            predicted.update(score_predictions({task: level_kinds[task]}, outputs, documents[task]))
        for metric in compared_metrics(model):
            if metric in predicted and metric in evaluated:
                compared[metric] = (evaluated[metric], predicted[metric])
    return compared


def predict_files(
    predictor: Predictor, data_paths: Mapping[str, str], batch_size: int
) -> Iterator[Tuple[str, Dict[str, List[GoldDocument]], List[JsonDict]]]:
    """
    For each file of `data_paths` ({task: file}): the file, {task: its documents as the task's
    reader parses them} for every task read from it, and the predictor's outputs for those
    documents: one prediction pass per file, whatever the number of its tasks.
    """
    readers = task_readers(predictor._dataset_reader)
    for path in sorted(set(data_paths.values())):
        tasks = [task for task, task_path in data_paths.items() if task_path == path]
        documents = read_task_documents(readers, tasks, path)
        yield path, documents, predict_documents(predictor, documents[tasks[0]], batch_size)


def read_task_documents(
    readers: Mapping[str, GoldDocumentReader], tasks: Sequence[str], path: str
) -> Dict[str, List[GoldDocument]]:
    """
    {task: the documents at `path` as the reader of the task parses them}. The readers of one
    file keep different layers (the NER reader of a CoNLL-2012 file has no clusters, its
    coreference reader no mentions), so each task is scored against its own reader's documents;
    they must have the same documents and sentences, which one prediction pass then serves.
    Raises `ValueError` when they do not.
    """
    documents = {task: list(readers[task].read_documents(path)) for task in tasks}
    first = tasks[0]
    for task in tasks[1:]:
        if [(d.doc_key, d.sentences) for d in documents[task]] != [
            (d.doc_key, d.sentences) for d in documents[first]
        ]:
            raise ValueError(
                f"{path}: the readers of {first} and {task} read different documents or sentences."
            )
    return documents


def predict_documents(
    predictor: Predictor, documents: Sequence[GoldDocument], batch_size: int
) -> List[JsonDict]:
    """
    The "hmtl" predictor's outputs for gold `documents` (as an archive's reader parses them),
    given as tokenized sentences (with their gold mentions, which only a model that takes gold
    mentions uses), in batches of `batch_size` documents, in the documents' order.
    """
    outputs: List[JsonDict] = []
    for start in range(0, len(documents), batch_size):
        outputs.extend(
            predictor.predict_batch_json(
                [_input(document) for document in documents[start : start + batch_size]]
            )
        )
    return outputs


def format_parity(compared: Dict[str, Tuple[float, float]]) -> str:
    """The table of `prediction_parity`, in percent."""
    lines = [f"{'metric':<24} {'evaluate':>9} {'predict':>9} {'difference':>11}"]
    for metric, (evaluated, predicted) in compared.items():
        lines.append(
            f"{metric:<24} {100 * evaluated:9.2f} {100 * predicted:9.2f} "
            f"{100 * (predicted - evaluated):11.2g}"
        )
    return "\n".join(lines)


def _input(document: GoldDocument) -> JsonDict:
    # A model whose relation level takes gold mentions reads them from the input's "ner".
    document_input: JsonDict = {"doc_key": document.doc_key, "sentences": document.sentences}
    if document.mentions is not None and document.relations is not None:
        document_input["ner"] = [
            [[mention.start, mention.end, mention.label] for mention in sentence]
            for sentence in document.mentions
        ]
    return document_input
