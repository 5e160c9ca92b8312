"""
Conversion of the ACE 2005 release (LDC2006T06) into DyGIE JSON for entity mentions, relations
and coreference: the English `timex2norm` `.sgm` + `.apf.xml` pairs of the documents of a
train/dev/test split become one JSON document per line, as `hmtl_ace05` reads them. The
conventions (character offsets over the tag-free `.sgm` text, inclusive ends, heads, coarse
types, ...) are those of the usual preprocessing (LSTM-ER, DyGIE, DyGIE++), whose scripts need
CoreNLP, Python 2 and zsh; docs/ACE05.md lists them with the options that change them.
`hmtl_allennlp.commands.prepare_ace05` is the command line.
"""

import bisect
import json
import logging
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple
from xml.etree import ElementTree

from hmtl_allennlp_compat import blank_english_pipeline

from hmtl_allennlp.common.errors import DataFormatError

logger = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
STANDARD_SPLIT_DIR = Path(__file__).resolve().parents[1] / "data" / "ace05_split"
"""The 351/80/80 document split of LSTM-ER, DyGIE, DyGIE++ and PURE (one LDC id a line)."""

OUTPUT_FILES = tuple(f"{split}.json" for split in SPLITS) + ("stats.json",)

SPAN_CHOICES = ("head", "extent")
SYMMETRIC_CHOICES = ("keep", "both")
RELATION_LABEL_CHOICES = ("type", "subtype")

# The ACE 2005 guidelines call these relations symmetric (the reference pipelines still keep the
# annotated argument order); `symmetric_relations="both"` adds their reverse.
SYMMETRIC_TYPES = {"PER-SOC"}
SYMMETRIC_SUBTYPES = {("PHYS", "Near")}

# Everything the conversion drops or changes, in the order stats.json lists it; docs/ACE05.md
# says what each means.
CHANGES = (
    "values_and_timex2_left_out",
    "mentions_dropped_pronoun",
    "mentions_dropped_blank_span",
    "mentions_dropped_not_on_tokens",
    "mentions_merged_duplicate",
    "mentions_merged_duplicate_of_other_entity",
    "mentions_across_sentences",
    "tokens_split_at_mention_boundary",
    "relations_dropped_missing_argument",
    "relations_dropped_argument_not_kept",
    "relations_dropped_same_arguments",
    "relations_dropped_duplicate",
    "relations_reverse_added",
    "relations_across_sentences",
    "relation_arguments_ignored",
    "sentences_merged",
    "entities_singleton",
    "cluster_mentions_dropped_span_in_other_cluster",
)

_TAG = re.compile(r"<[^>]*>")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_WHITESPACE = re.compile(r"\s+")
# The APF stores charseq text decoded, the .sgm has these references (any case) in its text;
# other "&..." text (such as "AT&T") is compared as it is.
_ESCAPES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}
_ESCAPE = re.compile("|".join(_ESCAPES), re.IGNORECASE)

# Character references stay as written in the text (APF offsets count them undecoded, as the
# reference pipelines do); spaCy would cut a free-standing "&amp;" into "&", "amp", ";".
_CHARACTER_REFERENCES = ("&amp;", "&AMP;", "&lt;", "&LT;", "&gt;", "&GT;", "&quot;", "&apos;")


@dataclass(frozen=True)
class ConversionOptions:
    """
    What varies between papers; the defaults are the choices of the reference pipelines.

    # Parameters

    span : `str`, optional (default = `"head"`)
        The charseq of a mention that gives its span: "head" or "extent".
    keep_pronouns : `bool`, optional (default = `True`)
        Keep pronoun (`TYPE="PRO"`) mentions (the relation pipelines do; DyGIE++'s event
        pipeline drops them).
    symmetric_relations : `str`, optional (default = `"keep"`)
        "keep": relations as annotated (Arg-1 first); "both": also the reverse of symmetric ones
        (PER-SOC and PHYS.Near).
    relation_labels : `str`, optional (default = `"type"`)
        "type": the 6 coarse types (PHYS, ...); "subtype": `TYPE.SUBTYPE` (`PHYS.Located`, ...).
    """

    span: str = "head"
    keep_pronouns: bool = True
    symmetric_relations: str = "keep"
    relation_labels: str = "type"

    def __post_init__(self) -> None:
        for name, value, choices in (
            ("span", self.span, SPAN_CHOICES),
            ("symmetric_relations", self.symmetric_relations, SYMMETRIC_CHOICES),
            ("relation_labels", self.relation_labels, RELATION_LABEL_CHOICES),
        ):
            if value not in choices:
                raise ValueError(f"{name} must be one of {choices}, not {value!r}.")

    def as_dict(self) -> Dict[str, Any]:
        return {
            "span": self.span,
            "keep_pronouns": self.keep_pronouns,
            "symmetric_relations": self.symmetric_relations,
            "relation_labels": self.relation_labels,
        }


@dataclass
class _EntityMention:
    mention_id: str
    entity_id: str
    label: str
    mention_type: str
    head: Tuple[int, int]  # character offsets in the tag-free text, end inclusive
    extent: Tuple[int, int]


@dataclass
class _SpannedMention:
    """A kept mention with the character span (end inclusive) that the options choose."""

    mention: _EntityMention
    start: int
    end: int


@dataclass
class _RelationMention:
    mention_id: str
    relation_type: str
    relation_subtype: Optional[str]
    arguments: Dict[str, str]  # ROLE -> REFID of Arg-1 and Arg-2
    ignored_arguments: int  # Time-Within and the other roles


@dataclass
class _Annotation:
    doc_id: str
    entity_mentions: List[_EntityMention]
    relation_mentions: List[_RelationMention]
    value_and_timex2_mentions: Set[str]


@dataclass
class ConvertedDocument:
    """One DyGIE JSON document (`json`) and what its conversion dropped or changed."""

    json: Dict[str, Any]
    changes: Counter = field(default_factory=Counter)


# Reading the files.


def read_sgm_text(path: Path) -> Tuple[str, Set[int]]:
    """
    The text of an `.sgm` file without its SGML tags (character references and line breaks
    kept, so that APF offsets index it directly), and the positions in it where tags were.
    """
    try:
        with open(path, encoding="utf-8", newline="") as sgm_file:
            raw = sgm_file.read()
    except UnicodeDecodeError as error:
        raise DataFormatError(
            f"{path}: not UTF-8 text (byte offset {error.start}: {error.reason})."
        ) from None
    pieces = []
    tag_positions = set()
    position = 0
    last = 0
    for match in _TAG.finditer(raw):
        pieces.append(raw[last : match.start()])
        position += match.start() - last
        tag_positions.add(position)
        last = match.end()
    pieces.append(raw[last:])
    return "".join(pieces), tag_positions


def read_apf(path: Path, text: str, sgm_path: Path) -> _Annotation:
    """
    The entity and relation mentions of an `.apf.xml` file, after checking that every charseq
    reads in `text` (the tag-free `.sgm` text of `sgm_path`) what the APF says it does.
    """
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise DataFormatError(f"{path}: malformed XML ({error}).") from None
    document = root.find("document")
    if document is None:
        raise DataFormatError(f"{path}: no <document> element under <{root.tag}>.")
    _check_charseqs(path, document, text, sgm_path)

    entity_mentions = []
    for entity in document.iter("entity"):
        entity_id = _attribute(path, entity, "ID")
        label = _attribute(path, entity, "TYPE")
        for mention in entity.iter("entity_mention"):
            entity_mentions.append(
                _EntityMention(
                    mention_id=_attribute(path, mention, "ID"),
                    entity_id=entity_id,
                    label=label,
                    mention_type=mention.get("TYPE", ""),
                    head=_charseq_offsets(path, mention, "head"),
                    extent=_charseq_offsets(path, mention, "extent"),
                )
            )

    value_and_timex2_mentions = {
        _attribute(path, mention, "ID")
        for tag in ("value_mention", "timex2_mention")
        for mention in document.iter(tag)
    }

    relation_mentions = []
    for relation in document.iter("relation"):
        relation_type = _attribute(path, relation, "TYPE")
        relation_subtype = relation.get("SUBTYPE")
        for mention in relation.iter("relation_mention"):
            arguments: Dict[str, str] = {}
            ignored = 0
            for argument in mention.iter("relation_mention_argument"):
                role = _attribute(path, argument, "ROLE")
                if role in ("Arg-1", "Arg-2") and role not in arguments:
                    arguments[role] = _attribute(path, argument, "REFID")
                else:
                    ignored += 1
            relation_mentions.append(
                _RelationMention(
                    _attribute(path, mention, "ID"),
                    relation_type,
                    relation_subtype,
                    arguments,
                    ignored,
                )
            )
    return _Annotation(
        document.get("DOCID", ""), entity_mentions, relation_mentions, value_and_timex2_mentions
    )


def _attribute(path: Path, element: ElementTree.Element, name: str) -> str:
    value = element.get(name)
    if value is None:
        where = f" {element.get('ID')}" if element.get("ID") else ""
        raise DataFormatError(f"{path}: <{element.tag}{where}> has no {name} attribute.")
    return value


def _charseq_offsets(path: Path, mention: ElementTree.Element, part: str) -> Tuple[int, int]:
    charseq = mention.find(f"{part}/charseq")
    if charseq is None:
        raise DataFormatError(f"{path}: <{mention.tag} {mention.get('ID')}> has no {part}/charseq.")
    # The values are checked by _check_charseqs.
    return int(_attribute(path, charseq, "START")), int(_attribute(path, charseq, "END"))


def _check_charseqs(path: Path, document: ElementTree.Element, text: str, sgm_path: Path) -> None:
    """Every charseq's START..END (inclusive) must read its own text in the `.sgm` text."""
    owner = document.get("DOCID", "document")
    for element in document.iter():
        element_id = element.get("ID")
        if element_id is not None:
            owner = element_id
        if element.tag != "charseq":
            continue
        start, end = element.get("START", ""), element.get("END", "")
        if not (start.isdigit() and end.isdigit()):
            raise DataFormatError(
                f"{path}: charseq of {owner} has START={start!r} END={end!r}, not offsets."
            )
        start_offset, end_offset = int(start), int(end)
        if not start_offset <= end_offset < len(text):
            raise DataFormatError(
                f"{path}: charseq of {owner} at START={start} END={end} lies outside the "
                f"{len(text)} characters of {sgm_path.name} (without tags)."
            )
        expected = _normalized(element.text or "")
        found = _normalized(text[start_offset : end_offset + 1])
        if expected not in (found, _ESCAPE.sub(_unescaped, found)):
            raise DataFormatError(
                f"{path}: charseq of {owner} at START={start} END={end} says "
                f"{element.text!r}, but {sgm_path.name} has {text[start_offset:end_offset + 1]!r} "
                "there (offsets count the characters of the .sgm without its tags)."
            )


def _unescaped(match: re.Match) -> str:
    return _ESCAPES[match.group(0).lower()]


def _normalized(text: str) -> str:
    # Line breaks inside a charseq may differ in the XML (the parser normalizes them).
    return _WHITESPACE.sub(" ", text).strip()


# Tokens and sentences.


class _Tokenizer:
    """
    Tokens and sentences of the tag-free text with spaCy's rule-based English tokenizer and
    sentencizer (offline, no model download). A sentence never spans a place where an SGML tag
    was or a blank line: DOCID, DOCTYPE, DATETIME, a headline, a speaker's name are sentences of
    their own, as in the reference output. Tokens are cut at the given character positions, so
    that a mention head inside a token ("U.S." of "U.S.-led") gets tokens of its own.
    """

    def __init__(self) -> None:
        self._nlp = blank_english_pipeline()
        for reference in _CHARACTER_REFERENCES:
            self._nlp.tokenizer.add_special_case(reference, [{"ORTH": reference}])

    def sentences(
        self, text: str, breaks: Set[int], cuts: Sequence[int]
    ) -> Tuple[List[List[Tuple[int, int]]], int]:
        """
        Sentences as lists of tokens, each token a (start, end) character range (end exclusive),
        and how many tokens were cut at `cuts` (sorted character positions).
        """
        boundaries = set(breaks) | {0, len(text)}
        for match in _BLANK_LINE.finditer(text):
            boundaries.update((match.start(), match.end()))
        ordered = sorted(boundaries)
        sentences = []
        num_cut = 0
        for block_start, block_end in zip(ordered, ordered[1:]):
            block = text[block_start:block_end]
            if not block.strip():
                continue
            # One character for one: spaCy sees every line break as a space, so offsets stay.
            spaced = "".join(" " if character.isspace() else character for character in block)
            for sentence in self._nlp(spaced).sents:
                tokens = []
                for token in sentence:
                    if token.is_space:
                        continue
                    start = block_start + token.idx
                    pieces = _cut(start, start + len(token.text), cuts)
                    num_cut += len(pieces) > 1
                    tokens.extend(pieces)
                if tokens:
                    sentences.append(tokens)
        return sentences, num_cut


def _cut(start: int, end: int, cuts: Sequence[int]) -> List[Tuple[int, int]]:
    """The token start..end (end exclusive) cut at the positions of `cuts` inside it."""
    inside = cuts[bisect.bisect_right(cuts, start) : bisect.bisect_left(cuts, end)]
    edges = [start, *inside, end]
    return list(zip(edges, edges[1:]))


# Converting one document.


class DocumentConverter:
    """
    Converts one document (its `.sgm` and `.apf.xml`) to a DyGIE JSON object with the given
    `ConversionOptions`; see docs/ACE05.md for the conventions.
    """

    def __init__(self, options: ConversionOptions) -> None:
        self.options = options
        self._tokenizer = _Tokenizer()

    def convert(self, doc_key: str, sgm_path: Path, apf_path: Path) -> ConvertedDocument:
        text, tag_positions = read_sgm_text(sgm_path)
        annotation = read_apf(apf_path, text, sgm_path)
        if annotation.doc_id != doc_key:
            raise DataFormatError(
                f"{apf_path}: its <document DOCID> is {annotation.doc_id!r}, not {doc_key!r}."
            )
        changes: Counter = Counter()
        changes["values_and_timex2_left_out"] += len(annotation.value_and_timex2_mentions)

        mentions = self._mention_spans(annotation.entity_mentions, text, changes)
        cuts = sorted({position for span in mentions for position in (span.start, span.end + 1)})
        char_sentences, num_cut = self._tokenizer.sentences(text, tag_positions, cuts)
        if not char_sentences:
            raise DataFormatError(f"{sgm_path}: no text (only SGML tags and white space).")
        changes["tokens_split_at_mention_boundary"] += num_cut

        token_sentence = [index for index, sentence in enumerate(char_sentences) for _ in sentence]
        on_tokens = _on_tokens(mentions, char_sentences, apf_path, changes)
        spans = on_tokens.spans
        relations = self._relations(annotation, spans, changes)
        group_of_sentence, num_sentences = _sentence_groups(
            token_sentence, [spans[mention_id] for mention_id in on_tokens.kept], relations, changes
        )

        sentences: List[List[str]] = [[] for _ in range(num_sentences)]
        for sentence_index, sentence in enumerate(char_sentences):
            sentences[group_of_sentence[sentence_index]].extend(
                text[start:end] for start, end in sentence
            )
        ner: List[List[List[Any]]] = [[] for _ in range(num_sentences)]
        label_of = on_tokens.label_of
        for mention_id in sorted(on_tokens.kept, key=lambda m: (*spans[m], label_of[m])):
            start, end = spans[mention_id]
            ner[group_of_sentence[token_sentence[start]]].append([start, end, label_of[mention_id]])
        relation_layer: List[List[List[Any]]] = [[] for _ in range(num_sentences)]
        for head, tail, label in relations:
            relation_layer[group_of_sentence[token_sentence[head[0]]]].append([*head, *tail, label])

        clusters = self._clusters(on_tokens.kept, spans, on_tokens.entity_of, annotation, changes)
        document = {
            "doc_key": doc_key,
            "dataset": "ace05",
            "sentences": sentences,
            "ner": ner,
            "relations": relation_layer,
            "clusters": clusters,
        }
        return ConvertedDocument(document, changes)

    def _mention_spans(
        self, entity_mentions: Sequence[_EntityMention], text: str, changes: Counter
    ) -> List[_SpannedMention]:
        """The kept mentions, each with the character span of the chosen charseq, trimmed."""
        kept = []
        for mention in entity_mentions:
            if mention.mention_type == "PRO" and not self.options.keep_pronouns:
                changes["mentions_dropped_pronoun"] += 1
                continue
            start, end = mention.head if self.options.span == "head" else mention.extent
            while start <= end and text[start].isspace():
                start += 1
            while end >= start and text[end].isspace():
                end -= 1
            if start > end:
                changes["mentions_dropped_blank_span"] += 1
                continue
            kept.append(_SpannedMention(mention, start, end))
        return kept

    def _relations(
        self,
        annotation: _Annotation,
        spans: Dict[str, Tuple[int, int]],
        changes: Counter,
    ) -> List[Tuple[Tuple[int, int], Tuple[int, int], str]]:
        relations: List[Tuple[Tuple[int, int], Tuple[int, int], str]] = []
        seen = set()
        for mention in annotation.relation_mentions:
            changes["relation_arguments_ignored"] += mention.ignored_arguments
            if "Arg-1" not in mention.arguments or "Arg-2" not in mention.arguments:
                changes["relations_dropped_missing_argument"] += 1
                continue
            head = spans.get(mention.arguments["Arg-1"])
            tail = spans.get(mention.arguments["Arg-2"])
            if head is None or tail is None:
                changes["relations_dropped_argument_not_kept"] += 1
                continue
            if head == tail:
                changes["relations_dropped_same_arguments"] += 1
                continue
            label = mention.relation_type
            if self.options.relation_labels == "subtype" and mention.relation_subtype:
                label = f"{label}.{mention.relation_subtype}"
            pairs = [(head, tail)]
            symmetric = mention.relation_type in SYMMETRIC_TYPES or (
                (mention.relation_type, mention.relation_subtype) in SYMMETRIC_SUBTYPES
            )
            if symmetric and self.options.symmetric_relations == "both":
                pairs.append((tail, head))
            for pair_index, (first, second) in enumerate(pairs):
                if (first, second, label) in seen:
                    if pair_index == 0:
                        changes["relations_dropped_duplicate"] += 1
                    continue
                seen.add((first, second, label))
                changes["relations_reverse_added"] += pair_index
                relations.append((first, second, label))
        return relations

    @staticmethod
    def _clusters(
        kept: Sequence[str],
        spans: Dict[str, Tuple[int, int]],
        entity_of: Dict[str, str],
        annotation: _Annotation,
        changes: Counter,
    ) -> List[List[List[int]]]:
        """Clusters of two or more kept mentions of one entity; a span is in one cluster only."""
        by_entity: Dict[str, List[Tuple[int, int]]] = {}
        for mention_id in kept:
            by_entity.setdefault(entity_of[mention_id], []).append(spans[mention_id])
        entity_order = dict.fromkeys(mention.entity_id for mention in annotation.entity_mentions)
        clustered: Set[Tuple[int, int]] = set()
        clusters = []
        for entity_id in entity_order:
            members = []
            for span in sorted(set(by_entity.get(entity_id, []))):
                if span in clustered:
                    changes["cluster_mentions_dropped_span_in_other_cluster"] += 1
                    continue
                members.append(span)
            if len(members) < 2:
                changes["entities_singleton"] += len(members)
                continue
            clustered.update(members)
            clusters.append([list(span) for span in members])
        return sorted(clusters)


@dataclass
class _TokenMentions:
    """The mentions on tokens: spans (inclusive token offsets), labels and entities by id."""

    spans: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    label_of: Dict[str, str] = field(default_factory=dict)
    entity_of: Dict[str, str] = field(default_factory=dict)
    kept: List[str] = field(default_factory=list)  # the ids written, without merged duplicates


def _on_tokens(
    mentions: Sequence[_SpannedMention],
    char_sentences: Sequence[Sequence[Tuple[int, int]]],
    apf_path: Path,
    changes: Counter,
) -> _TokenMentions:
    """
    Maps the mentions onto tokens. A mention with the span and type of an earlier one is merged
    into it: its id then names the earlier one's span and entity (for relations and clusters).
    """
    # Token index by the token's first character, and by the character after its last.
    token_starts: Dict[int, int] = {}
    token_ends: Dict[int, int] = {}
    for index, (char_start, char_end) in enumerate(
        token for sentence in char_sentences for token in sentence
    ):
        token_starts[char_start] = index
        token_ends[char_end] = index
    result = _TokenMentions()
    first_of_span: Dict[Tuple[int, int, str], str] = {}
    for spanned in mentions:
        mention = spanned.mention
        start = token_starts.get(spanned.start)
        end = token_ends.get(spanned.end + 1)
        if start is None or end is None:
            logger.warning(
                "%s: mention %s (characters %d-%d) is not on token boundaries; left out.",
                apf_path,
                mention.mention_id,
                spanned.start,
                spanned.end,
            )
            changes["mentions_dropped_not_on_tokens"] += 1
            continue
        result.label_of[mention.mention_id] = mention.label
        first = first_of_span.get((start, end, mention.label))
        if first is not None:
            changes["mentions_merged_duplicate"] += 1
            if result.entity_of[first] != mention.entity_id:
                changes["mentions_merged_duplicate_of_other_entity"] += 1
            result.spans[mention.mention_id] = result.spans[first]
            result.entity_of[mention.mention_id] = result.entity_of[first]
            continue
        first_of_span[(start, end, mention.label)] = mention.mention_id
        result.spans[mention.mention_id] = (start, end)
        result.entity_of[mention.mention_id] = mention.entity_id
        result.kept.append(mention.mention_id)
    return result


def _sentence_groups(
    token_sentence: Sequence[int],
    mention_spans: Sequence[Tuple[int, int]],
    relations: Sequence[Tuple[Tuple[int, int], Tuple[int, int], str]],
    changes: Counter,
) -> Tuple[List[int], int]:
    """
    Joins the sentences that a mention or a relation spans into one, as the reference pipelines
    do: the new sentence of each sentence, and the number of new sentences.
    """
    joins = []
    for start, end in mention_spans:
        if token_sentence[start] != token_sentence[end]:
            changes["mentions_across_sentences"] += 1
            joins.append((token_sentence[start], token_sentence[end]))
    for head, tail, _ in relations:
        first, last = sorted((token_sentence[head[0]], token_sentence[tail[0]]))
        if first != last:
            changes["relations_across_sentences"] += 1
            joins.append((first, last))
    num_sentences = token_sentence[-1] + 1
    groups = _joined(num_sentences, joins)
    changes["sentences_merged"] += num_sentences - len(groups)
    group_of_sentence = [0] * num_sentences
    for group_index, (first, last) in enumerate(groups):
        for sentence_index in range(first, last + 1):
            group_of_sentence[sentence_index] = group_index
    return group_of_sentence, len(groups)


def _joined(num_sentences: int, joins: Sequence[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """Sentence ranges (first, last) after joining every range of `joins` into one."""
    reach = list(range(num_sentences))
    for first, last in joins:
        reach[first] = max(reach[first], last)
    groups = []
    first = 0
    while first < num_sentences:
        last = reach[first]
        index = first
        while index <= last:
            last = max(last, reach[index])
            index += 1
        groups.append((first, last))
        first = last + 1
    return groups


# The whole release.


def read_split(split_dir: Path) -> Dict[str, List[str]]:
    """
    The document ids of each split: `train.txt`, `dev.txt`, `test.txt` (or the same names
    without `.txt`, as in the DyGIE repositories) under `split_dir`, one LDC id a line.
    """
    if not split_dir.is_dir():
        raise DataFormatError(f"{split_dir}: no such directory (the split's id lists).")
    split = {}
    where_listed: Dict[str, str] = {}
    for name in SPLITS:
        candidates = [split_dir / f"{name}.txt", split_dir / name]
        path = next((candidate for candidate in candidates if candidate.is_file()), None)
        if path is None:
            raise DataFormatError(f"{split_dir}: no {name}.txt (the ids of the {name} split).")
        ids = []
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            doc_id = line.strip()
            if not doc_id:
                continue
            if doc_id in where_listed:
                raise DataFormatError(
                    f"{path}, line {line_number}: {doc_id} is listed again (first in "
                    f"{where_listed[doc_id]})."
                )
            where_listed[doc_id] = f"{path.name}, line {line_number}"
            ids.append(doc_id)
        split[name] = ids
    return split


def find_english_dir(ldc_dir: Path) -> Path:
    """
    The `data/English` folder of the release: `ldc_dir` may be the release's root, its `data`
    folder or the `English` folder itself.
    """
    if not ldc_dir.is_dir():
        raise DataFormatError(
            f"{ldc_dir}: no such directory (expected the root of LDC2006T06, with "
            "data/English/<genre>/timex2norm/ under it)."
        )
    for candidate in (ldc_dir / "data" / "English", ldc_dir / "English", ldc_dir):
        if any(candidate.glob("*/timex2norm/*.sgm")):
            return candidate
    raise DataFormatError(
        f"{ldc_dir}: not the ACE 2005 release (LDC2006T06): no "
        "data/English/<genre>/timex2norm/*.sgm under it."
    )


def _document_files(english_dir: Path) -> Dict[str, Path]:
    """The `.sgm` file of each document id found under `English/<genre>/timex2norm/`."""
    return {
        path.name[: -len(".sgm")]: path for path in sorted(english_dir.glob("*/timex2norm/*.sgm"))
    }


def convert_release(
    ldc_dir: Path,
    out_dir: Path,
    split_dir: Optional[Path] = None,
    options: ConversionOptions = ConversionOptions(),
    force: bool = False,
) -> Dict[str, Any]:
    """
    Converts the documents of each split (the standard one unless `split_dir`) and writes
    `out_dir/{train,dev,test}.json` and `out_dir/stats.json`. A document that cannot be
    converted is reported (logged and in stats.json's "failures") and the others are converted.
    The files are written under temporary names and renamed when all are complete; existing
    output files are only replaced with `force`.

    # Returns

    `Dict[str, Any]`
        The statistics written to stats.json.
    """
    ldc_dir, out_dir = Path(ldc_dir), Path(out_dir)
    split_dir = Path(split_dir) if split_dir is not None else STANDARD_SPLIT_DIR
    split = read_split(split_dir)
    english_dir = find_english_dir(ldc_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataFormatError(f"{out_dir}: exists and is not a directory.")
    existing = [name for name in OUTPUT_FILES if (out_dir / name).exists()]
    if existing and not force:
        raise DataFormatError(
            f"{out_dir}: already has {', '.join(existing)}; remove them or pass --force "
            "to replace them."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    document_files = _document_files(english_dir)
    converter = DocumentConverter(options)

    statistics: Dict[str, Any] = {
        "options": options.as_dict(),
        "split": "standard" if split_dir == STANDARD_SPLIT_DIR else str(split_dir),
        "splits": {},
    }
    failures = []
    temporary: Dict[str, str] = {}
    try:
        for name in SPLITS:
            split_statistics = _SplitStatistics(len(split[name]))
            handle, temporary[f"{name}.json"] = tempfile.mkstemp(
                dir=out_dir, prefix=f".{name}.json.", suffix=".part"
            )
            with os.fdopen(handle, "w", encoding="utf-8") as output:
                for doc_key in split[name]:
                    try:
                        converted = _convert_listed(converter, doc_key, document_files, english_dir)
                    except DataFormatError as error:
                        logger.error("%s split: %s", name, error)
                        failures.append({"split": name, "doc_key": doc_key, "error": str(error)})
                        continue
                    split_statistics.add(converted)
                    output.write(json.dumps(converted.json) + "\n")
            statistics["splits"][name] = split_statistics.as_dict()
        statistics["total"] = _total(statistics["splits"].values())
        statistics["failures"] = failures
        handle, temporary["stats.json"] = tempfile.mkstemp(
            dir=out_dir, prefix=".stats.json.", suffix=".part"
        )
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            json.dump(statistics, output, indent=2)
            output.write("\n")
        for name, path in temporary.items():
            os.replace(path, out_dir / name)
        temporary.clear()
    finally:
        for path in temporary.values():
            if os.path.exists(path):
                os.remove(path)
    return statistics


def _convert_listed(
    converter: DocumentConverter,
    doc_key: str,
    document_files: Dict[str, Path],
    english_dir: Path,
) -> ConvertedDocument:
    sgm_path = document_files.get(doc_key)
    if sgm_path is None:
        raise DataFormatError(
            f"{doc_key}: listed in the split, but there is no {doc_key}.sgm in "
            f"{english_dir}/<genre>/timex2norm/."
        )
    apf_path = sgm_path.with_name(f"{doc_key}.apf.xml")
    if not apf_path.is_file():
        raise DataFormatError(f"{sgm_path}: no {apf_path.name} next to it.")
    return converter.convert(doc_key, sgm_path, apf_path)


class _SplitStatistics:
    def __init__(self, documents_listed: int) -> None:
        self.counts: Counter = Counter(documents_listed=documents_listed)
        self.mentions: Counter = Counter()
        self.relations: Counter = Counter()
        self.changes: Counter = Counter({change: 0 for change in CHANGES})

    def add(self, converted: ConvertedDocument) -> None:
        document = converted.json
        self.counts["documents"] += 1
        self.counts["sentences"] += len(document["sentences"])
        self.counts["tokens"] += sum(map(len, document["sentences"]))
        self.mentions.update(label for layer in document["ner"] for *_, label in layer)
        self.relations.update(label for layer in document["relations"] for *_, label in layer)
        self.counts["clusters"] += len(document["clusters"])
        self.counts["cluster_mentions"] += sum(map(len, document["clusters"]))
        self.changes.update(converted.changes)

    def as_dict(self) -> Dict[str, Any]:
        counts = self.counts
        return {
            "documents_listed": counts["documents_listed"],
            "documents": counts["documents"],
            "documents_failed": counts["documents_listed"] - counts["documents"],
            "sentences": counts["sentences"],
            "tokens": counts["tokens"],
            "mentions": dict(sorted(self.mentions.items())),
            "relations": dict(sorted(self.relations.items())),
            "clusters": counts["clusters"],
            "cluster_mentions": counts["cluster_mentions"],
            "changes": {change: self.changes[change] for change in CHANGES},
        }


def _total(splits: Iterable[Dict[str, Any]]) -> Dict[str, Any]:
    total: Dict[str, Any] = {}
    for split_statistics in splits:
        for key, value in split_statistics.items():
            if isinstance(value, dict):
                counter = total.setdefault(key, Counter())
                counter.update(value)
            else:
                total[key] = total.get(key, 0) + value
    for key in ("mentions", "relations"):
        total[key] = dict(sorted(total.get(key, {}).items()))
    total["changes"] = {change: total.get("changes", {}).get(change, 0) for change in CHANGES}
    return total
