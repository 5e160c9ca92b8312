"""
MUC, B-cubed and CEAF-e as the official CoNLL-2012 reference scorer, v8.01, computes them
(Pradhan et al. 2014, "Scoring Coreference Partitions of Predicted Mentions: A Reference
Implementation"; `CorScorer.pm` of conll/reference-coreference-scorers):

- Mentions are matched by their exact (start, end) span.
- A mention repeated in the response keeps its first occurrence (clusters in the order given,
  then mentions in order) and loses the others, and a cluster left empty is dropped, as the
  scorer's `IdentifMentions` does. (The scorer refuses to score a response with more than ten
  repeated mentions; here they are all removed, silently.) The scorer only warns about a
  mention repeated in the key and then counts it twice; here the key is cleaned like the
  response, so such keys score as if the repetition were not there.
- MUC (Vilain et al. 1995) counts links: recall is sum(|K| - |p(K)|) / sum(|K| - 1) over key
  clusters K, where p(K) is the partition of K by the response clusters and every key mention
  missing from the response is a part of its own; precision is the same with key and response
  swapped. Singletons contribute nothing, by definition.
- B-cubed (Bagga and Baldwin 1998) over ALL mentions, singletons included: recall is
  sum over K, R of |K & R|^2 / |K|, divided by the number of key mentions; precision is sum
  over K, R of |K & R|^2 / |R|, divided by the number of response mentions. Twinless response
  mentions (absent from the key) count in the precision denominator only, and twinless key
  mentions in the recall denominator only: v8.01 applies the definitions unchanged to
  predicted mentions (its `BCUBED` runs on the original chains), without Cai and Strube's
  (2010) adjustments.
- CEAF-e (Luo 2005) over ALL clusters, singletons included: the one-to-one alignment of key
  and response clusters maximising the sum of phi4(K, R) = 2 |K & R| / (|K| + |R|); recall
  divides that sum by the number of key clusters, precision by the number of response
  clusters.
- Over a corpus, numerators and denominators are summed over documents before dividing
  (micro-averaging), and F1 is the harmonic mean of the summed precision and recall.
"""

from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy
from allennlp.training.metrics.metric import Metric
from allennlp_models.coref.metrics.conll_coref_scores import Scorer
from scipy.optimize import linear_sum_assignment

from hmtl_allennlp.common.documents import Span, as_span
from hmtl_allennlp.metrics.util import check_same_length, f1_score, sum_over_workers

Cluster = Sequence[Span]
# (recall numerator, recall denominator, precision numerator, precision denominator), the
# quadruple the reference scorer sums over documents.
CorefCounts = Tuple[float, float, float, float]

_COREF_METRICS = ("muc", "b3", "ceafe")


def deduplicated_clusters(clusters: Sequence[Cluster]) -> List[Tuple[Span, ...]]:
    """
    The clusters with every repeated mention removed but its first occurrence, and without
    the clusters left empty, as the reference scorer cleans a response. Mentions become
    `Span`s of ints (metadata that went through JSON has lists).
    """
    seen = set()
    cleaned = []
    for cluster in clusters:
        kept = []
        for span in cluster:
            mention = as_span(span)
            if mention not in seen:
                seen.add(mention)
                kept.append(mention)
        if kept:
            cleaned.append(tuple(kept))
    return cleaned


def muc_counts(key: Sequence[Cluster], response: Sequence[Cluster]) -> CorefCounts:
    """
    MUC counts of one document, from clusters as `deduplicated_clusters` returns them.
    AllenNLP-models' `Scorer.muc` computes exactly the reference definition (twinless mentions
    each form a part of their own), so it is reused for both directions.
    """
    mention_to_key_cluster = {mention: cluster for cluster in key for mention in cluster}
    mention_to_response_cluster = {mention: cluster for cluster in response for mention in cluster}
    recall_numerator, recall_denominator = Scorer.muc(key, mention_to_response_cluster)
    precision_numerator, precision_denominator = Scorer.muc(response, mention_to_key_cluster)
    return recall_numerator, recall_denominator, precision_numerator, precision_denominator


def _overlaps(key: Sequence[Cluster], response: Sequence[Cluster]) -> Counter:
    # |K_i & R_j| for every pair of key cluster i and response cluster j that share a mention.
    key_cluster_of_mention = {
        mention: index for index, cluster in enumerate(key) for mention in cluster
    }
    return Counter(
        (key_cluster_of_mention[mention], response_index)
        for response_index, cluster in enumerate(response)
        for mention in cluster
        if mention in key_cluster_of_mention
    )


def b_cubed_counts(key: Sequence[Cluster], response: Sequence[Cluster]) -> CorefCounts:
    """
    B-cubed counts of one document, singletons included, from clusters as
    `deduplicated_clusters` returns them. (AllenNLP-models' `Scorer.b_cubed` skips singleton
    clusters, so it differs from the reference scorer and is not used.)
    """
    recall_numerator = 0.0
    precision_numerator = 0.0
    for (key_index, response_index), shared in _overlaps(key, response).items():
        recall_numerator += shared**2 / len(key[key_index])
        precision_numerator += shared**2 / len(response[response_index])
    num_key_mentions = sum(len(cluster) for cluster in key)
    num_response_mentions = sum(len(cluster) for cluster in response)
    return recall_numerator, num_key_mentions, precision_numerator, num_response_mentions


def ceafe_counts(key: Sequence[Cluster], response: Sequence[Cluster]) -> CorefCounts:
    """
    CEAF-e counts of one document, singletons included, from clusters as
    `deduplicated_clusters` returns them. (AllenNLP-models' `Scorer.ceafe` drops singleton
    response clusters, so it differs from the reference scorer and is not used.)
    """
    similarity = numpy.zeros((len(key), len(response)))
    for (key_index, response_index), shared in _overlaps(key, response).items():
        similarity[key_index, response_index] = (
            2 * shared / (len(key[key_index]) + len(response[response_index]))
        )
    # The optimal one-to-one alignment (Kuhn-Munkres, as the scorer's Algorithm::Munkres).
    key_indices, response_indices = linear_sum_assignment(similarity, maximize=True)
    aligned_similarity = float(similarity[key_indices, response_indices].sum())
    return aligned_similarity, len(key), aligned_similarity, len(response)


def document_counts(
    predicted_clusters: Sequence[Cluster], gold_clusters: Sequence[Cluster]
) -> Dict[str, CorefCounts]:
    """
    {"muc", "b3", "ceafe": their `CorefCounts`} of one document, from its predicted (response)
    and gold (key) clusters as given (repeated mentions are removed here, as the reference
    scorer removes them). Summed over documents, they give the corpus scores of `CorefScores`.
    """
    response = deduplicated_clusters(predicted_clusters)
    key = deduplicated_clusters(gold_clusters)
    return {
        "muc": muc_counts(key, response),
        "b3": b_cubed_counts(key, response),
        "ceafe": ceafe_counts(key, response),
    }


@Metric.register("conll_coref")
class CorefScores(Metric):
    """
    The coreference scores of the CoNLL-2012 shared task: MUC, B-cubed and CEAF-e computed
    exactly as the official reference scorer v8.01 does (see this module's docstring for the
    definitions and how repeated and twinless mentions are treated), their average F1 (the
    "CoNLL F1"), and, as a diagnostic, the recall of gold mentions among the predicted mention
    candidates.

    AllenNLP-models' `ConllCorefScores` differs from the reference scorer whenever singletons
    exist (its B-cubed and CEAF-e skip singleton clusters) and sums across workers on every
    call; this metric keeps per-document numerators and denominators and sums them over
    documents, and over distributed workers in `get_metric`.

    Registered as a `Metric` with name "conll_coref".
    """

    supports_distributed = True

    def __init__(self) -> None:
        # Per coreference metric, its CorefCounts summed over documents.
        self._coref_counts: Dict[str, List[float]] = {
            metric: [0.0, 0.0, 0.0, 0.0] for metric in _COREF_METRICS
        }
        self._gold_mentions_found = 0
        self._gold_mentions = 0

    def __call__(  # type: ignore[override]
        self,
        predicted_clusters: Sequence[Sequence[Cluster]],
        gold_clusters: Sequence[Sequence[Cluster]],
        predicted_mentions: Optional[Sequence[Sequence[Span]]] = None,
    ) -> None:
        """
        # Parameters

        predicted_clusters : `Sequence[Sequence[Sequence[Span]]]`
            For each document of the batch, its predicted (response) clusters of mention spans.
        gold_clusters : `Sequence[Sequence[Sequence[Span]]]`
            For each document of the batch, its gold (key) clusters, singletons included, in
            the same offsets.
        predicted_mentions : `Sequence[Sequence[Span]]`, optional (default = `None`)
            For each document of the batch, the mentions the model considered (e.g. the spans
            kept by its mention pruning), for the mention recall. When not given, the mentions
            of the predicted clusters are used.
        """
        check_same_length(predicted_clusters, gold_clusters, "cluster")
        if predicted_mentions is None:
            predicted_mentions = [
                [mention for cluster in clusters for mention in cluster]
                for clusters in predicted_clusters
            ]
        check_same_length(predicted_mentions, gold_clusters, "mention")
        for response, key, mentions in zip(predicted_clusters, gold_clusters, predicted_mentions):
            key = deduplicated_clusters(key)
            for metric, counts_of_document in document_counts(response, key).items():
                accumulated = self._coref_counts[metric]
                for position, count in enumerate(counts_of_document):
                    accumulated[position] += count
            candidate_mentions = {as_span(mention) for mention in mentions}
            gold_mentions = [mention for cluster in key for mention in cluster]
            self._gold_mentions_found += sum(
                mention in candidate_mentions for mention in gold_mentions
            )
            self._gold_mentions += len(gold_mentions)

    def get_metric(self, reset: bool = False) -> Dict[str, float]:
        """
        # Returns

        `Dict[str, float]`
            "muc_precision", "muc_recall", "muc_f1", the same for "b3" and "ceafe", "avg_f1"
            (the mean of the three F1, the CoNLL F1) and "mention_recall" (the fraction of
            gold mentions among the predicted mentions).
        """
        summed = sum_over_workers(
            [count for metric in _COREF_METRICS for count in self._coref_counts[metric]]
            + [self._gold_mentions_found, self._gold_mentions]
        ).tolist()
        metrics = {}
        for index, metric in enumerate(_COREF_METRICS):
            recall_numerator, recall_denominator, precision_numerator, precision_denominator = (
                summed[4 * index : 4 * index + 4]
            )
            precision = (
                precision_numerator / precision_denominator if precision_denominator else 0.0
            )
            recall = recall_numerator / recall_denominator if recall_denominator else 0.0
            metrics[f"{metric}_precision"] = precision
            metrics[f"{metric}_recall"] = recall
            metrics[f"{metric}_f1"] = f1_score(precision, recall)
        metrics["avg_f1"] = sum(metrics[f"{metric}_f1"] for metric in _COREF_METRICS) / 3
        gold_mentions_found, gold_mentions = summed[-2:]
        metrics["mention_recall"] = gold_mentions_found / gold_mentions if gold_mentions else 0.0
        if reset:
            self.reset()
        return metrics

    def reset(self) -> None:
        self._coref_counts = {metric: [0.0, 0.0, 0.0, 0.0] for metric in _COREF_METRICS}
        self._gold_mentions_found = 0
        self._gold_mentions = 0
