import pytest

from allennlp.data import Vocabulary


@pytest.fixture
def relation_vocab():
    """Two relation labels and three entity types, as the relation readers fill them."""
    vocab = Vocabulary()
    for label in ["LIVES_IN", "WORKS_FOR"]:
        vocab.add_token_to_namespace(label, "relation_labels")
    for entity_type in ["PER", "LOC", "ORG"]:
        vocab.add_token_to_namespace(entity_type, "mention_types")
    return vocab
