"""Each relation head, on trainable token vectors, learns a handful of sentences by heart."""

import pytest
import torch

from hmtl_allennlp.modules.heads import MultiHeadSelectionHead, SpanPairRelationHead
from tests.annotations import dygie_mentions, dygie_relations

# Slow: trains a head.
pytestmark = pytest.mark.slow

# Four sentences of six tokens (token ids), their typed mentions and relations: relations
# pointing forwards and backwards, and a sentence whose mentions are not related.
SENTENCES = [
    ([1, 2, 3, 4, 5, 6], [(0, 1, "PER"), (4, 4, "LOC")], [(0, 1, 4, 4, "LIVES_IN")]),
    ([7, 3, 8, 9, 10, 6], [(0, 0, "PER"), (3, 4, "ORG")], [(0, 0, 3, 4, "WORKS_FOR")]),
    ([11, 12, 13, 14, 15, 6], [(0, 0, "LOC"), (3, 4, "PER")], [(3, 4, 0, 0, "LIVES_IN")]),
    ([16, 17, 18, 19, 20, 6], [(0, 0, "ORG"), (2, 2, "PER"), (4, 4, "LOC")], []),
]
INPUT_DIM = 8


def batch():
    metadata = [
        {
            "token_offset": 0,
            "sentence_lengths": [len(tokens)],
            "gold_mentions": dygie_mentions(mentions),
            "gold_relations": dygie_relations(relations, mentions),
        }
        for tokens, mentions, relations in SENTENCES
    ]
    token_ids = torch.tensor([tokens for tokens, _, _ in SENTENCES])
    # The multi-head selection target: (last token of head, last token of tail, label).
    cells = torch.zeros(len(SENTENCES), 6, 6, 2)
    for i, (_, _, relations) in enumerate(SENTENCES):
        for _, head_end, _, tail_end, label in relations:
            cells[i, head_end, tail_end, ["LIVES_IN", "WORKS_FOR"].index(label)] = 1.0
    return token_ids, metadata, cells


@pytest.mark.parametrize(
    "make_head, gold_field",
    [
        (
            lambda vocab: SpanPairRelationHead(
                vocab, task="relation", input_dim=INPUT_DIM, dropout=0.0
            ),
            "relation_labels",
        ),
        # The paper's head, with the ingredients that make it learn fast.
        (
            lambda vocab: MultiHeadSelectionHead(
                vocab,
                task="relation",
                input_dim=INPUT_DIM,
                entity_label_embedding_dim=4,
                initial_positive_rate=0.01,
                loss_reduction="sum",
            ),
            "relations",
        ),
    ],
    ids=["span_pair", "multi_head_selection"],
)
def test_head_reaches_f1_1_on_a_handful_of_sentences(make_head, gold_field, relation_vocab):
    torch.manual_seed(0)
    head = make_head(relation_vocab)
    token_vectors = torch.nn.Embedding(21, INPUT_DIM)
    optimizer = torch.optim.Adam(
        list(head.parameters()) + list(token_vectors.parameters()), lr=0.01
    )
    token_ids, metadata, cells = batch()
    # The field each head takes its gold relations from: the dense target, or the labels.
    gold = {gold_field: cells if gold_field == "relations" else cells.amax(dim=(1, 2))}
    mask = torch.ones_like(token_ids, dtype=torch.bool)
    for _ in range(300):
        optimizer.zero_grad()
        output = head(encoded_text=token_vectors(token_ids), mask=mask, metadata=metadata, **gold)
        output["loss"].backward()
        optimizer.step()
    head.get_metrics(reset=True)
    head.eval()
    with torch.no_grad():
        head(encoded_text=token_vectors(token_ids), mask=mask, metadata=metadata, **gold)
    assert head.get_metrics(reset=True)["strict_f1"] == 1.0
