"""
Coreference key and response files in the CoNLL-2012 format, the input of the official
reference scorer (conll/reference-coreference-scorers, `scorer.pl`), and a reader of such files.

A document is a dict with a "doc_key" (str), "sentences" (a list of token lists) and
"clusters" (a list of clusters, each a list of inclusive [start, end] document-level token
offsets), the DyGIE-style fields of our data. It is written as

    #begin document (<doc_key>); part 000
    <doc_key>  0  <word index in sentence>  <word>  -  -  -  -  -  -  -  <coreference>
    ...
    (blank line between sentences)
    #end document

with tab-separated columns: the twelve columns of CoNLL-2012 (document, part, word number,
word, POS, parse bit, predicate lemma, frameset, word sense, speaker, named entities,
coreference), those we do not have written as "-". The last column holds the coreference
brackets of the token: "(12" opens a mention of cluster 12, "12)" closes one, "(12)" is a
one-token mention, several are joined by "|" (e.g. "(3|(12)"), and "-" means none. Cluster
ids are the clusters' positions in "clusters".

Whitespace in a word (Re-DocRED has lone U+00A0 tokens) or in the document column is written
as "_", and an empty word as "_", so that every line keeps its columns whether it is split on
tabs or on whitespace. The scorer never reads the words, so scores are unaffected; the words
read back are the written ones.
"""

import re
from collections import defaultdict
from os import PathLike
from typing import Any, Dict, Iterable, List, Sequence, Tuple, Union

from hmtl_allennlp.metrics.conll_coref_scores import CorefScores

CorefDocument = Dict[str, Any]

# What an unusable word or document column is written as.
WHITESPACE_PLACEHOLDER = "_"

_BEGIN_DOCUMENT = re.compile(r"^#\s*begin document (.*)$")
_END_DOCUMENT = re.compile(r"^#\s*end document")
# The document names this module writes: "(<doc_key>); part 000".
_OUR_DOCUMENT_NAME = re.compile(r"^\((.*)\); part 000$")
_ONE_TOKEN_MENTION = re.compile(r"^\((\d+)\)$")
_MENTION_START = re.compile(r"^\((\d+)$")
_MENTION_END = re.compile(r"^(\d+)\)$")
_WHITESPACE = re.compile(r"\s")
_NUM_UNUSED_COLUMNS = 7


def conll_word(text: str) -> str:
    """`text` with each whitespace character replaced by "_", or "_" when it is empty."""
    return _WHITESPACE.sub(WHITESPACE_PLACEHOLDER, text) or WHITESPACE_PLACEHOLDER


def format_coreference_document(document: CorefDocument) -> List[str]:
    """
    The lines (without newlines) of one document in the CoNLL-2012 coreference format
    described in this module's docstring.

    Raises a `ValueError` naming the document when a mention lies outside the document, when
    the document key contains a line break, or when two mentions of one cluster overlap
    without one containing the other (e.g. [0, 2] and [2, 4]): brackets cannot express that,
    the scorer would read other mentions than the ones meant.
    """
    doc_key = str(document["doc_key"])
    sentences: Sequence[Sequence[str]] = document["sentences"]
    clusters: Sequence[Sequence[Sequence[int]]] = document["clusters"]
    if "\n" in doc_key or "\r" in doc_key:
        raise ValueError(f"Document key {doc_key!r} contains a line break.")
    num_tokens = sum(len(sentence) for sentence in sentences)

    brackets: Dict[int, List[str]] = defaultdict(list)
    for cluster_id, cluster in enumerate(clusters):
        # Outer mentions first where mentions share their start, for the crossing check.
        mentions = sorted(((int(start), int(end)) for start, end in cluster), key=_outer_first)
        for start, end in mentions:
            if not 0 <= start <= end < num_tokens:
                raise ValueError(
                    f"Document {doc_key!r}: mention [{start}, {end}] of cluster {cluster_id} "
                    f"is not within its {num_tokens} tokens."
                )
        _check_no_crossing_mentions(doc_key, cluster_id, mentions)
        for start, end in mentions:
            if start == end:
                brackets[start].append(f"({cluster_id})")
            else:
                brackets[start].append(f"({cluster_id}")
                brackets[end].append(f"{cluster_id})")

    document_column = conll_word(doc_key)
    lines = [f"#begin document ({doc_key}); part 000"]
    token_index = 0
    for sentence_index, sentence in enumerate(sentences):
        if sentence_index > 0:
            lines.append("")
        for word_index, word in enumerate(sentence):
            coreference = "|".join(brackets[token_index]) or "-"
            columns = [document_column, "0", str(word_index), conll_word(word)]
            columns += ["-"] * _NUM_UNUSED_COLUMNS + [coreference]
            lines.append("\t".join(columns))
            token_index += 1
    lines.append("")
    lines.append("#end document")
    return lines


def _outer_first(mention: Tuple[int, int]) -> Tuple[int, int]:
    start, end = mention
    return start, -end


def _check_no_crossing_mentions(
    doc_key: str, cluster_id: int, sorted_mentions: Sequence[Tuple[int, int]]
) -> None:
    # A reader pairs each closing bracket with the latest open one of the same cluster (and
    # reads the openings of a token before its closings), which recovers nested and disjoint
    # mentions but not overlapping ones.
    open_mentions: List[Tuple[int, int]] = []
    for start, end in sorted_mentions:
        while open_mentions and open_mentions[-1][1] < start:
            open_mentions.pop()
        if open_mentions and open_mentions[-1][1] < end:
            raise ValueError(
                f"Document {doc_key!r}: mentions {list(open_mentions[-1])} and {[start, end]} of "
                f"cluster {cluster_id} overlap without nesting, which CoNLL brackets cannot "
                "express."
            )
        open_mentions.append((start, end))


def write_coreference_file(
    documents: Iterable[CorefDocument], file_path: Union[str, PathLike]
) -> None:
    """
    Writes `documents` to `file_path` in the CoNLL-2012 coreference format: gold clusters
    (singletons included) make a key file, predicted clusters a response file. Key and
    response documents match on their "doc_key".
    """
    with open(file_path, "w", encoding="utf-8") as conll_file:
        for document in documents:
            conll_file.write("\n".join(format_coreference_document(document)) + "\n")


def read_coreference_file(file_path: Union[str, PathLike]) -> List[CorefDocument]:
    """
    Reads the documents of a CoNLL-2012 coreference file (the coreference in the last column;
    columns split on tabs, or on whitespace in lines without tabs as in the OntoNotes
    release) as dicts with "doc_key", "sentences" and "clusters" ([start, end] lists).

    The "doc_key" is the `<doc_key>` of a "(<doc_key>); part 000" document name, as
    `write_coreference_file` writes it, or else the whole name after "#begin document ".
    Clusters come in the order the reference scorer builds them (by the first appearance of
    their id), mentions in the order their closing bracket is read, which is what decides
    which occurrence of a repeated mention the scorer keeps.

    Raises a `ValueError` naming the file and line on a malformed coreference column, a
    mention closed without being opened, a mention left open, or a document not closed.
    """
    documents: List[CorefDocument] = []
    document = None
    with open(file_path, encoding="utf-8") as conll_file:
        for line_number, line in enumerate(conll_file, start=1):
            line = line.rstrip("\r\n")
            where = f"{file_path}, line {line_number}"
            begin = _BEGIN_DOCUMENT.match(line)
            if begin:
                if document is not None:
                    raise ValueError(f"{where}: a document begins before the previous one ended.")
                document = _DocumentBeingRead(begin.group(1))
            elif _END_DOCUMENT.match(line):
                if document is None:
                    raise ValueError(f"{where}: '#end document' without a document.")
                documents.append(document.finish(where))
                document = None
            elif document is None:
                continue
            elif not line.strip():
                document.end_sentence()
            else:
                columns = line.split("\t") if "\t" in line else line.split()
                if len(columns) < 4:
                    raise ValueError(
                        f"{where}: expected at least 4 columns (document, part, word number, "
                        f"word, ..., coreference), got {len(columns)}."
                    )
                document.add_token(columns[3], columns[-1], where)
    if document is not None:
        raise ValueError(
            f"{file_path}: document {document.name!r} is not closed by '#end document'."
        )
    return documents


class _DocumentBeingRead:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sentences: List[List[str]] = [[]]
        self.num_tokens = 0
        # Cluster ids in order of first appearance, their mentions, and their open mentions.
        self.clusters: Dict[str, List[List[int]]] = {}
        self.open_starts: Dict[str, List[int]] = defaultdict(list)

    def end_sentence(self) -> None:
        if self.sentences[-1]:
            self.sentences.append([])

    def add_token(self, word: str, coreference: str, where: str) -> None:
        token = self.num_tokens
        pieces = [] if coreference in ("-", "_") else coreference.split("|")
        # The scorer's order: one-token mentions, then openings, then closings.
        # Cluster ids of the mentions that this token is, opens or closes.
        one_token: List[str] = []
        starts: List[str] = []
        ends: List[str] = []
        for piece in pieces:
            for pattern, found in (
                (_ONE_TOKEN_MENTION, one_token),
                (_MENTION_START, starts),
                (_MENTION_END, ends),
            ):
                match = pattern.match(piece)
                if match:
                    found.append(match.group(1))
                    break
            else:
                raise ValueError(f"{where}: cannot read coreference {coreference!r} ({piece!r}).")
        for cluster_id in one_token:
            self.clusters.setdefault(cluster_id, []).append([token, token])
        for cluster_id in starts:
            self.clusters.setdefault(cluster_id, [])
            self.open_starts[cluster_id].append(token)
        for cluster_id in ends:
            if not self.open_starts[cluster_id]:
                raise ValueError(
                    f"{where}: mention of cluster {cluster_id} closed but never opened."
                )
            self.clusters[cluster_id].append([self.open_starts[cluster_id].pop(), token])
        self.sentences[-1].append(word)
        self.num_tokens += 1

    def finish(self, where: str) -> CorefDocument:
        still_open = {
            cluster_id: starts for cluster_id, starts in self.open_starts.items() if starts
        }
        if still_open:
            raise ValueError(
                f"{where}: document {self.name!r} ends with mentions still open "
                f"(cluster id: start tokens) {still_open}."
            )
        our_name = _OUR_DOCUMENT_NAME.match(self.name)
        return {
            "doc_key": our_name.group(1) if our_name else self.name,
            "sentences": [sentence for sentence in self.sentences if sentence],
            "clusters": list(self.clusters.values()),
        }


def score_coreference_files(
    key_file_path: Union[str, PathLike], response_file_path: Union[str, PathLike]
) -> Dict[str, float]:
    """
    Scores a response file against a key file with `CorefScores`, as the reference scorer
    scores all documents: every key document counts (one missing from the response is scored
    against an empty response), response documents without a key are ignored.
    """
    response_clusters = {
        document["doc_key"]: document["clusters"]
        for document in read_coreference_file(response_file_path)
    }
    key_documents = read_coreference_file(key_file_path)
    scores = CorefScores()
    scores(
        [response_clusters.get(document["doc_key"], []) for document in key_documents],
        [document["clusters"] for document in key_documents],
    )
    return scores.get_metric()
