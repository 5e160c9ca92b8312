import logging
import os
import re
from collections import Counter, defaultdict
from typing import Any, Dict, Iterator, List, Optional, Tuple

from allennlp.common.checks import ConfigurationError
from allennlp.data.dataset_readers.dataset_reader import DatasetReader
from allennlp.data.token_indexers import TokenIndexer
from allennlp_models.common.ontonotes import Ontonotes, OntonotesSentence

from hmtl_allennlp.common.documents import Cluster, GoldDocument, Mention, Span
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.common.levels import COREFERENCE, TAGGING
from hmtl_allennlp.dataset_readers.document_reader import (
    MAX_TOKEN_CHARACTERS,
    DocumentText,
    GoldDocumentReader,
)

logger = logging.getLogger(__name__)

_MIN_COLUMNS = 12
_WORD, _POS, _NAMED_ENTITY = 3, 4, 10
# The columns a tagging level can read: named entities (typed spans) or part-of-speech tags.
TAG_LAYERS = ("named_entities", "pos")
_BEGIN_DOCUMENT = re.compile(r"#begin document \((.*)\); part (\d+)")
# A named-entity cell: opening brackets with labels, an optional "*", closing brackets, e.g.
# "*", "(PERSON*", "*)", "(PERSON)", "(ORG(GPE*)".
_NAMED_ENTITY_CELL = re.compile(r"^((?:\([^()*\s]+)*)\*?(\)*)$")
_NAMED_ENTITY_OPENING = re.compile(r"\(([^()*\s]+)")
# One "|"-separated piece of a coreference cell: "(12)", "(12" or "12)".
_COREF_PIECE = re.compile(r"^(\()?(\d+)(\))?$")
_WHITESPACE = re.compile(r"\s")


class TolerantOntonotes(Ontonotes):
    """
    allennlp-models' CoNLL-2012 parsing, made to accept data as it comes from outside the
    official OntoNotes release.

    `Ontonotes._conll_rows_to_sentence` splits rows on any whitespace and builds an nltk parse
    tree from the word, POS and parse columns. Official OntoNotes escapes brackets in words
    (-LRB-/-RRB-), but other CoNLL-2012 data does not (GUM has tokens such as `1)`), and nltk
    then raises `ValueError` although the named-entity and coreference columns are fine. So the
    rows handed to it have brackets and whitespace in their cells replaced, and the words are
    put back as written afterwards; a parse column that is still not a tree leaves the sentence
    without a parse tree (as rows without parse information do) instead of failing. The
    readers use no parse tree.

    `dataset_path_iterator` also accepts a single file, and when walking a directory reads only
    `*gold_conll` files that are not under an `arabic` or `chinese` directory (the CoNLL-2012
    layout is `.../data/<split>/data/<language>/annotations/...`).
    """

    @staticmethod
    def dataset_path_iterator(file_path: str) -> Iterator[str]:
        if not os.path.isdir(file_path):
            yield file_path
            return
        for root, directories, files in os.walk(file_path):
            directories.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                if TolerantOntonotes.is_english_conll_file(os.path.relpath(path, file_path)):
                    yield path

    @staticmethod
    def is_english_conll_file(relative_path: str) -> bool:
        """Whether a path (relative to the directory walked) is an English `*gold_conll` file."""
        other_languages = {"arabic", "chinese"}
        parts = relative_path.replace(os.sep, "/").split("/")
        return parts[-1].endswith("gold_conll") and not other_languages.intersection(parts)

    def cells_to_sentence(self, rows: List[List[str]]) -> OntonotesSentence:
        """
        An `OntonotesSentence` from the cells of its rows (one list of column values per row),
        with words as written, whatever brackets or whitespace they contain. Raises
        `ValueError` when a cell the parent converts (part number, word sense) is malformed.
        """
        try:
            sentence = self._conll_rows_to_sentence([_parent_row(cells) for cells in rows])
        except ValueError:
            # With brackets escaped, nltk's tree building only fails on a parse column that is
            # not a bracketed tree. A POS of "XX" tells the parent that the sentence has no parse
            # information, so it builds no tree; other malformed cells raise again.
            sentence = self._conll_rows_to_sentence(
                [_parent_row(cells, without_parse=True) for cells in rows]
            )
        sentence.words = [cells[_WORD] for cells in rows]
        return sentence


def _parent_row(cells: List[str], without_parse: bool = False) -> str:
    """
    A row as `Ontonotes._conll_rows_to_sentence` can split and parse: no whitespace inside a
    cell, and brackets in the word and POS columns escaped as official OntoNotes does.
    """
    safe_cells = list(cells)
    if any(not cell or _WHITESPACE.search(cell) for cell in cells):
        safe_cells = [_WHITESPACE.sub("_", cell) or "_" for cell in cells]
    for column in (_WORD, _POS):
        if "(" in safe_cells[column] or ")" in safe_cells[column]:
            safe_cells[column] = safe_cells[column].replace("(", "-LRB-").replace(")", "-RRB-")
    if without_parse:
        safe_cells[_POS] = "XX"
    return " ".join(safe_cells)


@DatasetReader.register("hmtl_ontonotes")
class OntonotesReader(GoldDocumentReader):
    """
    Reads OntoNotes 5.0 in the CoNLL-2012 format (`*gold_conll` files: a single file, or the
    `conll-2012/v4/data/<split>/` tree walked recursively, English only), and any corpus in that
    format (e.g. GUM). Parsing reuses allennlp-models' `Ontonotes` (see `TolerantOntonotes` for
    what is changed and why).

    The kind of the level picks the instances (see `GoldDocumentReader` for their fields):

    - "tagging": one per sentence, `tags` (namespace `f"{task}_tags"`) from the column of
      `tag_layer`: the named-entity column (column 11; `metadata["gold_mentions"]` has every
      named entity of the column, nested ones included), as BIOUL tags; or the part-of-speech
      column (column 5; `metadata["gold_mentions"]` has one one-token mention per token,
      labelled with its tag), with `label_encoding = "plain"` one tag per token;
    - "coreference": one per document part (`#begin document (<id>); part <n>` ... `#end document`),
      `doc_key` "<id>_<n>" (part as an integer, as in e2e-coref), clusters from the last column;
      `metadata["gold_mentions"]` has the mentions of the clusters, labelled "mention".

    Rows are split on tabs when a row has one (so tokens may contain spaces), otherwise on runs
    of whitespace (the official, space-aligned files). Each row is checked: at least 12 columns
    and as many as the other rows of its sentence, one document id per document, balanced and
    well-formed brackets in the named-entity and coreference columns. A violation raises
    `DataFormatError` naming the file, line and problem, or, with `skip_invalid_documents`,
    skips the document and logs why.

    # Parameters

    task : `str`
        The name of the level that reads the instances (e.g. "ner", "pos", "coref").
    kind : `str`, optional (default = `None`)
        "tagging" or "coreference"; `None`: the kind of an HMTL level name ("ner": tagging,
        "coref": coreference; see `GoldDocumentReader`).
    tag_layer : `str`, optional (default = `"named_entities"`)
        Tagging only: the column the tags come from, "named_entities" or "pos".
    label_encoding : `str`, optional (default = `"BIOUL"`)
        Tagging only: "BIOUL" (the named entities) or "plain" (one tag per token: the
        part-of-speech tags); the level's `crf_tagger` head takes the same.
    tag_namespace : `str`, optional (default = `f"{task}_tags"`)
        Tagging only: the label namespace of the tags.
    token_indexers : `Dict[str, TokenIndexer]`, optional
        How to index the tokens (default: `{"tokens": SingleIdTokenIndexer()}`).
    max_span_width : `int`, optional (default = `8`)
        The widest candidate span of coref instances, in tokens.
    max_document_tokens : `int`, optional (default = `None`)
        Coref only: split longer documents into segments at sentence boundaries (see
        `GoldDocumentReader`). `None` keeps documents whole, whatever their memory cost.
    remove_singleton_clusters : `bool`, optional (default = `True`)
        Coref only: leave clusters of one mention out of `span_labels` (metadata keeps them).
    skip_invalid_documents : `bool`, optional (default = `False`)
        Skip (count and log) malformed documents instead of raising `DataFormatError`.
    max_token_characters : `int`, optional (default = `50`)
        The token indexers see at most this many characters of a token (see
        `GoldDocumentReader`).
    **kwargs
        Passed to `DatasetReader`.

    Registered as a `DatasetReader` with name "hmtl_ontonotes".
    """

    supported_kinds = (TAGGING, COREFERENCE)
    data_file_description = "English *gold_conll"

    def __init__(
        self,
        task: str,
        kind: Optional[str] = None,
        tag_layer: str = "named_entities",
        label_encoding: str = "BIOUL",
        tag_namespace: Optional[str] = None,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        max_span_width: int = 8,
        max_document_tokens: Optional[int] = None,
        remove_singleton_clusters: bool = True,
        skip_invalid_documents: bool = False,
        max_token_characters: int = MAX_TOKEN_CHARACTERS,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task=task,
            kind=kind,
            token_indexers=token_indexers,
            tag_namespace=tag_namespace,
            label_encoding=label_encoding,
            max_span_width=max_span_width,
            max_document_tokens=max_document_tokens,
            remove_singleton_clusters=remove_singleton_clusters,
            skip_invalid_documents=skip_invalid_documents,
            max_token_characters=max_token_characters,
            **kwargs,
        )
        if tag_layer not in TAG_LAYERS:
            raise ConfigurationError(
                f"tag_layer must be one of {', '.join(TAG_LAYERS)}, got {tag_layer!r}."
            )
        self._tag_layer = tag_layer
        self._ontonotes = TolerantOntonotes()

    def _is_data_file(self, relative_path: str) -> bool:
        return TolerantOntonotes.is_english_conll_file(relative_path)

    def _document_texts(self, path: str) -> Iterator[DocumentText]:
        lines: List[Tuple[int, str]] = []
        found_row = False
        for line_number, line in self._decoded_lines(path):
            if line.startswith("#begin document") and any(
                not text.startswith("#") and text.strip() for _, text in lines
            ):
                # A document without "#end document": hand it over as it is; its parsing
                # reports the missing end.
                yield DocumentText(path, lines)
                lines = []
            lines.append((line_number, line))
            if not line.startswith("#") and line.strip():
                found_row = True
            if line.startswith("#end document"):
                yield DocumentText(path, lines)
                lines = []
        if any(text.strip() for _, text in lines):
            yield DocumentText(path, lines)
        if not found_row:
            raise DataFormatError(f"{path}: the file is empty (no CoNLL-2012 rows in it).")

    def _parse_document(self, text: DocumentText, counts: Counter) -> GoldDocument:
        path = text.path
        begin_match = None
        has_end = False
        sentences: List[List[Tuple[int, List[str]]]] = [[]]
        for line_number, line in text.lines:
            if line.startswith("#begin document"):
                begin_match = _BEGIN_DOCUMENT.match(line)
                if begin_match is None:
                    raise DataFormatError(
                        f"{path}, line {line_number}: malformed document header {line!r} "
                        "(expected '#begin document (<id>); part <number>')."
                    )
            elif line.startswith("#end document"):
                has_end = True
            elif line.startswith("#") or not line.strip():
                if sentences[-1]:
                    sentences.append([])
            else:
                cells = line.split("\t") if "\t" in line else line.split()
                sentences[-1].append((line_number, cells))
        sentences = [rows for rows in sentences if rows]
        first_line = text.lines[0][0]
        if not sentences:
            raise DataFormatError(f"{path}, line {first_line}: document without any row.")
        if begin_match is None:
            raise DataFormatError(
                f"{path}, line {first_line}: rows outside a '#begin document' block."
            )
        if not has_end:
            raise DataFormatError(
                f"{path}, line {first_line}: document {begin_match.group(1)!r} has no "
                "'#end document' line."
            )
        document_id = begin_match.group(1)
        doc_key = f"{document_id}_{int(begin_match.group(2))}"

        words: List[List[str]] = []
        tagged: List[List[Mention]] = []
        cluster_mentions: Dict[int, Cluster] = defaultdict(list)
        token_offset = 0
        for rows in sentences:
            self._check_rows(path, rows, document_id)
            try:
                sentence = self._ontonotes.cells_to_sentence([cells for _, cells in rows])
            except ValueError as error:
                raise DataFormatError(
                    f"{path}, line {rows[0][0]}: cannot parse the sentence starting here "
                    f"({error})."
                ) from None
            words.append(sentence.words)
            if self._tag_layer == "pos":
                tagged.append(
                    [
                        Mention(index + token_offset, index + token_offset, cells[_POS])
                        for index, (_, cells) in enumerate(rows)
                    ]
                )
            else:
                tagged.append(self._named_entities(path, rows, token_offset))
            for cluster_id, (start, end) in sorted(
                sentence.coref_spans, key=lambda item: (item[1], item[0])
            ):
                cluster_mentions[cluster_id].append(Span(start + token_offset, end + token_offset))
            token_offset += len(rows)
        clusters = [cluster_mentions[cluster_id] for cluster_id in sorted(cluster_mentions)]
        if self.kind == TAGGING:
            return GoldDocument(doc_key, words, mentions=tagged)
        return GoldDocument(doc_key, words, clusters=clusters)

    @staticmethod
    def _check_rows(path: str, rows: List[Tuple[int, List[str]]], document_id: str) -> None:
        """Checks the columns of a sentence's rows and its coreference brackets."""
        num_columns = len(rows[0][1])
        open_clusters: Dict[int, List[int]] = defaultdict(list)
        for line_number, cells in rows:
            where = f"{path}, line {line_number}"
            if len(cells) < _MIN_COLUMNS:
                raise DataFormatError(
                    f"{where}: wrong number of columns: {len(cells)}, expected at least "
                    f"{_MIN_COLUMNS} (CoNLL-2012: document id, part, word number, word, POS, "
                    "parse, lemma, frameset, sense, speaker, named entities, [arguments], "
                    "coreference)."
                )
            if len(cells) != num_columns:
                raise DataFormatError(
                    f"{where}: wrong number of columns: {len(cells)}, while the sentence's "
                    f"first row has {num_columns}."
                )
            if cells[0] != document_id:
                raise DataFormatError(
                    f"{where}: document id {cells[0]!r} inside document {document_id!r}."
                )
            if not cells[_WORD]:
                raise DataFormatError(f"{where}: empty word column.")
            if not cells[1].isdigit():
                raise DataFormatError(f"{where}: part number {cells[1]!r} is not a number.")
            coref_cell = cells[-1]
            if coref_cell == "-":
                continue
            for piece in coref_cell.split("|"):
                match = _COREF_PIECE.match(piece)
                if match is None or not (match.group(1) or match.group(3)):
                    raise DataFormatError(
                        f"{where}: malformed coreference column {coref_cell!r} (expected '-' or "
                        "'|'-separated pieces like '(12', '(12)', '12)')."
                    )
                cluster_id = int(match.group(2))
                if match.group(1) and not match.group(3):
                    open_clusters[cluster_id].append(line_number)
                elif match.group(3) and not match.group(1):
                    if not open_clusters[cluster_id]:
                        raise DataFormatError(
                            f"{where}: unbalanced brackets in the coreference column: "
                            f"{piece!r} closes cluster {cluster_id}, which is not open."
                        )
                    open_clusters[cluster_id].pop()
        for cluster_id, opening_lines in open_clusters.items():
            if opening_lines:
                raise DataFormatError(
                    f"{path}, line {opening_lines[-1]}: unbalanced brackets in the coreference "
                    f"column: cluster {cluster_id} is opened and not closed within its sentence."
                )

    @staticmethod
    def _named_entities(
        path: str, rows: List[Tuple[int, List[str]]], token_offset: int
    ) -> List[Mention]:
        """Every span of the named-entity column (nested ones included), document-level."""
        spans: List[Mention] = []
        open_spans: List[Tuple[str, int, int]] = []
        for row_index, (line_number, cells) in enumerate(rows):
            cell = cells[_NAMED_ENTITY]
            match = _NAMED_ENTITY_CELL.match(cell)
            if match is None:
                raise DataFormatError(
                    f"{path}, line {line_number}: malformed named-entity column {cell!r} "
                    "(expected e.g. '*', '(PERSON*', '*)', '(PERSON)')."
                )
            for label in _NAMED_ENTITY_OPENING.findall(match.group(1)):
                open_spans.append((label, row_index, line_number))
            for _ in match.group(2):
                if not open_spans:
                    raise DataFormatError(
                        f"{path}, line {line_number}: unbalanced brackets in the named-entity "
                        f"column: {cell!r} closes a span that is not open."
                    )
                label, start, _ = open_spans.pop()
                spans.append(Mention(start + token_offset, row_index + token_offset, label))
        if open_spans:
            label, _, line_number = open_spans[-1]
            raise DataFormatError(
                f"{path}, line {line_number}: unbalanced brackets in the named-entity column: "
                f"the {label!r} span is opened and not closed within its sentence."
            )
        spans.sort(key=lambda span: (span.start, -span.end))
        return spans
