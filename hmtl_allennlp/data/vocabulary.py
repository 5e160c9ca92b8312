"""
A vocabulary whose pretrained embeddings files are checked before anything is built from them.
"""

import logging
from typing import Any, Dict, Iterable, Optional, Set

from allennlp.data import Instance, Vocabulary
from allennlp.data.vocabulary import (
    DEFAULT_NON_PADDED_NAMESPACES,
    DEFAULT_OOV_TOKEN,
    DEFAULT_PADDING_TOKEN,
)
from allennlp.modules.token_embedders.embedding import EmbeddingsTextFile

from hmtl_allennlp.common.errors import DataFormatError

logger = logging.getLogger(__name__)


def check_embeddings_file(path: str, embedding_dim: Optional[int] = None) -> int:
    """
    Reads a pretrained embeddings text file (GloVe's format: `word v1 ... vD` per line, optionally
    after a word2vec header line; plain, compressed or archived as AllenNLP's `Embedding` reads it)
    and raises a `DataFormatError` naming the file, the line and the problem at the first line that
    is not UTF-8, has another number of values than the lines before it (or than `embedding_dim`),
    or repeats a word of an earlier line. Returns the number of words.

    AllenNLP itself skips a line of the wrong dimension with a warning, keeps the last vector of a
    repeated word and fails on a non-UTF-8 byte without saying where it is: a vocabulary and an
    embedding built from such a file silently differ from what its author meant.
    """
    # Latin-1 decodes any byte, so every line arrives; each is then checked as UTF-8 on its own,
    # which finds the line of a bad byte.
    seen: Set[str] = set()
    expected_values = embedding_dim
    with EmbeddingsTextFile(path, encoding="latin-1") as embeddings:
        first_line_number = 2 if embeddings.num_tokens else 1
        for line_number, raw_line in enumerate(embeddings, start=first_line_number):
            where = f"Embeddings file {path}, line {line_number}"
            try:
                line = raw_line.encode("latin-1").decode("utf-8")
            except UnicodeDecodeError as error:
                raise DataFormatError(
                    f"{where}: not UTF-8 (byte {error.start + 1} of the line: "
                    f"{error.object[error.start:error.start + 1]!r})"
                ) from None
            if not line.strip():
                continue  # AllenNLP skips blank lines too, and they change no vector
            fields = line.rstrip().split(" ")
            word, num_values = fields[0], len(fields) - 1
            if expected_values is None:
                expected_values = num_values
            if num_values != expected_values:
                what = "the config's embedding_dim is" if embedding_dim else "the lines before have"
                raise DataFormatError(
                    f"{where}: the word {word!r} has {num_values} values where {what} "
                    f"{expected_values}"
                )
            if word in seen:
                raise DataFormatError(
                    f"{where}: the word {word!r} is repeated from an earlier line"
                )
            seen.add(word)
    if not seen:
        raise DataFormatError(f"Embeddings file {path}: no embeddings in it")
    return len(seen)


@Vocabulary.register("from_instances_checked", constructor="from_instances_checked")
class CheckedPretrainedVocabulary(Vocabulary):
    """
    AllenNLP's `from_instances` vocabulary (the words of the instances it is given, the
    `min_pretrained_embeddings` first words of each `pretrained_files` entry, ...) that first
    checks each pretrained embeddings file with `check_embeddings_file`, so that a malformed file
    stops the run with an error naming its line before any data is read or any model is built.

    # Parameters

    embedding_dims : `Dict[str, int]`, optional (default = `None`)
        The dimension the config's embedder expects of each namespace's pretrained file; a file
        whose vectors have another size is rejected.

    Every other parameter is `Vocabulary.from_instances`'s.

    Registered as a `Vocabulary` with name "from_instances_checked".
    """

    @classmethod
    def from_instances_checked(
        cls,
        instances: Iterable[Instance],
        min_count: Optional[Dict[str, int]] = None,
        max_vocab_size: Optional[Dict[str, int]] = None,
        non_padded_namespaces: Iterable[str] = DEFAULT_NON_PADDED_NAMESPACES,
        pretrained_files: Optional[Dict[str, str]] = None,
        only_include_pretrained_words: bool = False,
        tokens_to_add: Optional[Dict[str, list]] = None,
        min_pretrained_embeddings: Optional[Dict[str, int]] = None,
        padding_token: Optional[str] = DEFAULT_PADDING_TOKEN,
        oov_token: Optional[str] = DEFAULT_OOV_TOKEN,
        embedding_dims: Optional[Dict[str, int]] = None,
    ) -> Vocabulary:
        for namespace, path in (pretrained_files or {}).items():
            num_words = check_embeddings_file(path, (embedding_dims or {}).get(namespace))
            logger.info("Embeddings file %s (%s): %d words, checked", path, namespace, num_words)
        # AllenNLP annotates its optional arguments without Optional: passed through as they are.
        options: Dict[str, Any] = dict(
            min_count=min_count,
            max_vocab_size=max_vocab_size,
            non_padded_namespaces=non_padded_namespaces,
            pretrained_files=pretrained_files,
            only_include_pretrained_words=only_include_pretrained_words,
            tokens_to_add=tokens_to_add,
            min_pretrained_embeddings=min_pretrained_embeddings,
            padding_token=padding_token,
            oov_token=oov_token,
        )
        return cls.from_instances(instances, **options)
