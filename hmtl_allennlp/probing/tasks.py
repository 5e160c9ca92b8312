"""
Probing tasks (Conneau et al., ACL 2018, "What you can cram into a single vector") built from the
words, part-of-speech tags and constituency trees of CoNLL-2012 files, for any corpus that has
them (OntoNotes, GUM). Each task labels sentences with one property; a classifier trained on a
sentence embedding shows how much of that property the embedding keeps.

Every task follows Conneau et al.'s definition as far as the annotation allows; where it departs,
the task's docstring says how. The sentences are the corpus's as they are (no length filter but
the tasks' own), and the classes are balanced by keeping, in each split, the same number of
sentences of every class (the size of its smallest class), drawn with a fixed seed. The
semantic odd-man-out task is not built: it replaces a word by another of the same bigram
frequency in a corpus of millions of sentences, so that the replacement cannot be told by its
frequency alone; the corpora read here are too small for such statistics, and a replacement
chosen without them could be found by frequency rather than by meaning.
"""

import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy
from nltk import Tree

SentenceLabel = Optional[Tuple[str, List[str]]]


@dataclass(frozen=True)
class ParsedSentence:
    """The words, part-of-speech tags and constituency tree of one sentence."""

    words: List[str]
    pos_tags: List[str]
    tree: Tree


@dataclass(frozen=True)
class ProbingExample:
    """One sentence of a probing task: its split ("tr" or "va", as SentEval's files name them),
    its label and its words (changed by the tasks that change sentences)."""

    split: str
    label: str
    words: List[str]


# Conneau et al.'s six length bins, in words.
LENGTH_BINS = [(5, 8), (9, 12), (13, 16), (17, 20), (21, 25), (26, 28)]
# The top-constituent task keeps the 19 most frequent sequences and puts the others in one class.
TOP_CONSTITUENT_CLASSES = 19
# Conneau et al.'s tree depths: 5 to 12 constituents.
TREE_DEPTHS = range(5, 13)
# The word-content task's words: mid-frequency training words. Conneau et al. took the words of
# frequency ranks 2,000 to 3,000 of a corpus of millions of sentences; in a corpus of ten
# thousand sentences (GUM) those words occur a few times each, too rarely to train a classifier,
# while ranks 100 to 200 (the words after the function words: in GUM, 67 to 165 occurrences)
# leave 45 words with at least 20 training and 5 dev sentences.
WORD_CONTENT_RANKS = (100, 200)
# A class with fewer sentences than this in the training or the dev split is dropped.
MIN_CLASS_SIZES = (20, 5)


def constituent(label: str) -> str:
    """The category of a constituent label, without function tags and indices: NP-SBJ-1 -> NP."""
    if label in ("-NONE-", "-LRB-", "-RRB-"):
        return label
    return label.split("-")[0].split("=")[0] or label


def sentence_node(tree: Tree) -> Tree:
    """The sentence's own node: the single child of a TOP node, or the tree itself."""
    if tree.label() == "TOP" and len(tree) == 1 and isinstance(tree[0], Tree):
        return tree[0]
    return tree


def phrases(node: Tree) -> List[Tree]:
    return [child for child in node if isinstance(child, Tree)]


def is_preterminal(node: Tree) -> bool:
    return len(node) == 1 and not isinstance(node[0], Tree)


def sentence_length(sentence: ParsedSentence, random: numpy.random.Generator) -> SentenceLabel:
    """Conneau et al.'s SentLen: the number of words, in six bins from 5 to 28 words."""
    length = len(sentence.words)
    for low, high in LENGTH_BINS:
        if low <= length <= high:
            return f"{low}-{high}", sentence.words
    return None


def tree_depth(sentence: ParsedSentence, random: numpy.random.Generator) -> SentenceLabel:
    """
    Conneau et al.'s TreeDepth: the number of constituents on the longest path from the
    sentence's node down to a word, part-of-speech nodes included (TOP excluded), for depths of
    5 to 12 as theirs.
    """
    depth = sentence_node(sentence.tree).height() - 1
    return (str(depth), sentence.words) if depth in TREE_DEPTHS else None


def top_constituents(sentence: ParsedSentence, random: numpy.random.Generator) -> SentenceLabel:
    """
    Conneau et al.'s TopConst: the sequence of constituents right below the sentence node
    (e.g. "NP VP ."), for sentences whose node is a clause (S). The 19 most frequent sequences of
    the training split are classes; `build_probing_tasks` puts the others in "OTHER".
    """
    node = sentence_node(sentence.tree)
    if constituent(node.label()) != "S":
        return None
    return " ".join(constituent(child.label()) for child in phrases(node)), sentence.words


def bigram_shift(sentence: ParsedSentence, random: numpy.random.Generator) -> SentenceLabel:
    """
    Conneau et al.'s BShift: half of the sentences have two adjacent words swapped ("I"), the
    others are as written ("O"). Sentences of fewer than 5 words are left out, as in SentLen.
    """
    words = list(sentence.words)
    if len(words) < 5:
        return None
    if random.random() < 0.5:
        return "O", words
    position = int(random.integers(len(words) - 1))
    if words[position] == words[position + 1]:
        return None  # the swap would change nothing
    words[position], words[position + 1] = words[position + 1], words[position]
    return "I", words


def main_verb_phrase(node: Tree) -> Optional[Tree]:
    """The clause's verb phrase: its first VP child."""
    return next((child for child in phrases(node) if constituent(child.label()) == "VP"), None)


def tense(sentence: ParsedSentence, random: numpy.random.Generator) -> SentenceLabel:
    """
    Conneau et al.'s Tense: whether the main clause's verb is in the past ("PAST": VBD) or the
    present ("PRES": VBZ, VBP). The verb is the first verb of the main clause's verb phrase, the
    finite one (in "has ruled", "has"); clauses whose finite verb is a modal or not finite are
    left out.
    """
    node = sentence_node(sentence.tree)
    if constituent(node.label()) != "S":
        return None
    verb_phrase = main_verb_phrase(node)
    if verb_phrase is None:
        return None
    verb = next((child for child in verb_phrase if isinstance(child, Tree)), None)
    if verb is None or not is_preterminal(verb):
        return None
    labels = {"VBD": "PAST", "VBZ": "PRES", "VBP": "PRES"}
    return (labels[verb.label()], sentence.words) if verb.label() in labels else None


def head_noun_number(noun_phrase: Tree) -> Optional[str]:
    """
    "NN" (singular) or "NNS" (plural) for the head noun of a noun phrase: its last noun before
    any phrase that modifies it, looked for in its first noun phrase when it starts with one
    ("the court [of appeals]"); None for a pronoun or a phrase without a noun.
    """
    children = phrases(noun_phrase)
    if children and constituent(children[0].label()) == "NP" and not is_preterminal(children[0]):
        return head_noun_number(children[0])
    nouns = [child.label() for child in children if is_preterminal(child)]
    numbers = {"NN": "NN", "NNP": "NN", "NNS": "NNS", "NNPS": "NNS"}
    head = next((label for label in reversed(nouns) if label in numbers), None)
    return numbers.get(head) if head is not None else None


def subject_number(sentence: ParsedSentence, random: numpy.random.Generator) -> SentenceLabel:
    """
    Conneau et al.'s SubjNum: the number of the main clause's subject, the noun phrase marked
    -SBJ below the sentence node (or its first NP when no function tags are given).
    """
    node = sentence_node(sentence.tree)
    if constituent(node.label()) != "S":
        return None
    noun_phrases = [child for child in phrases(node) if constituent(child.label()) == "NP"]
    marked = [child for child in noun_phrases if "SBJ" in child.label().split("-")[1:]]
    subject = (marked or noun_phrases or [None])[0]
    number = head_noun_number(subject) if subject is not None else None
    return (number, sentence.words) if number else None


def object_number(sentence: ParsedSentence, random: numpy.random.Generator) -> SentenceLabel:
    """
    Conneau et al.'s ObjNum: the number of the direct object of the main clause: the first noun
    phrase without a function tag (not -PRD, -TMP, -ADV, ...) right below the verb phrase of the
    main verb (the innermost of a chain of verb phrases: "has [ruled [NP]]").
    """
    node = sentence_node(sentence.tree)
    if constituent(node.label()) != "S":
        return None
    verb_phrase = main_verb_phrase(node)
    while verb_phrase is not None:
        inner = main_verb_phrase(verb_phrase)
        if inner is None:
            break
        verb_phrase = inner
    if verb_phrase is None:
        return None
    direct_object = next((child for child in phrases(verb_phrase) if child.label() == "NP"), None)
    number = head_noun_number(direct_object) if direct_object is not None else None
    return (number, sentence.words) if number else None


def coordination_inversion(
    sentence: ParsedSentence, random: numpy.random.Generator
) -> SentenceLabel:
    """
    Conneau et al.'s CoordInv: sentences made of two clauses joined by a coordinating
    conjunction (S [,] CC S [.]); half have their two clauses swapped ("I"), the others are as
    written ("O"). A comma before the conjunction and the final punctuation stay in place.
    """
    node = sentence_node(sentence.tree)
    children = phrases(node)
    labels = [constituent(child.label()) for child in children]
    if constituent(node.label()) != "S" or not labels:
        return None
    if labels[-1] in (".", ":"):
        labels, final = labels[:-1], children[-1:]
    else:
        final = []
    if labels == ["S", "CC", "S"]:
        first, joint, second = [children[0]], children[1:2], [children[2]]
    elif labels == ["S", ",", "CC", "S"]:
        first, joint, second = [children[0]], children[1:3], [children[3]]
    else:
        return None
    if random.random() < 0.5:
        return "O", sentence.words

    def words(nodes: Sequence[Tree]) -> List[str]:
        return [word for child in nodes for word in child.leaves()]

    # The tree's leaves are the sentence's words in order, so the clauses can be cut from them.
    if words(children) != sentence.words:
        return None
    return "I", words(second) + words(joint) + words(first) + words(final)


def word_content_task(train: Sequence[ParsedSentence]) -> Callable[..., SentenceLabel]:
    """
    Conneau et al.'s WC: which one of a list of mid-frequency words the sentence holds, for the
    sentences that hold exactly one of them (lowercased). The words are those of frequency ranks
    `WORD_CONTENT_RANKS` among the training split's alphabetic words.
    """
    counts = Counter(
        word.lower() for sentence in train for word in sentence.words if word.isalpha()
    )
    ranked = [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    chosen = set(ranked[WORD_CONTENT_RANKS[0] : WORD_CONTENT_RANKS[1]])

    def word_content(sentence: ParsedSentence, random: numpy.random.Generator) -> SentenceLabel:
        found = {word.lower() for word in sentence.words} & chosen
        return (found.pop(), sentence.words) if len(found) == 1 else None

    return word_content


SENTENCE_TASKS: Dict[str, Callable[[ParsedSentence, numpy.random.Generator], SentenceLabel]] = {
    "sentence_length": sentence_length,
    "tree_depth": tree_depth,
    "top_constituents": top_constituents,
    "bigram_shift": bigram_shift,
    "tense": tense,
    "subject_number": subject_number,
    "object_number": object_number,
    "coordination_inversion": coordination_inversion,
}
TASK_NAMES = ["sentence_length", "word_content", *list(SENTENCE_TASKS)[1:]]


def build_probing_tasks(
    train: Sequence[ParsedSentence],
    dev: Sequence[ParsedSentence],
    seed: int = 13,
    min_class_sizes: Tuple[int, int] = MIN_CLASS_SIZES,
) -> Dict[str, List[ProbingExample]]:
    """
    Every probing task, from the sentences of a training and a dev split: `{task: examples}`,
    the training split's examples first, each class of a split as large as its smallest one. A
    class with fewer sentences than `min_class_sizes` (training, dev) is left out. The same
    sentences and seed give the same tasks.
    """
    tasks = {**SENTENCE_TASKS, "word_content": word_content_task(train)}
    built = {}
    for name in TASK_NAMES:
        random = numpy.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
        labelled = {
            split: [
                ProbingExample(split, *result)
                for result in (tasks[name](sentence, random) for sentence in sentences)
                if result is not None
            ]
            for split, sentences in (("tr", train), ("va", dev))
        }
        if name == "top_constituents":
            labelled = _other_class(labelled, TOP_CONSTITUENT_CLASSES)
        built[name] = _balanced(labelled, random, dict(zip(("tr", "va"), min_class_sizes)))
    return built


def _other_class(
    labelled: Dict[str, List[ProbingExample]], classes: int
) -> Dict[str, List[ProbingExample]]:
    frequent = {label for label, _ in Counter(e.label for e in labelled["tr"]).most_common(classes)}
    return {
        split: [
            example if example.label in frequent else ProbingExample(split, "OTHER", example.words)
            for example in examples
        ]
        for split, examples in labelled.items()
    }


def _balanced(
    labelled: Dict[str, List[ProbingExample]],
    random: numpy.random.Generator,
    min_sizes: Dict[str, int],
) -> List[ProbingExample]:
    counts = {split: Counter(example.label for example in labelled[split]) for split in labelled}
    kept = sorted(
        label
        for label in counts["tr"]
        if all(counts[split][label] >= min_sizes[split] for split in labelled)
    )
    examples: List[ProbingExample] = []
    for split in ("tr", "va"):
        size = min((counts[split][label] for label in kept), default=0)
        for label in kept:
            of_label = [example for example in labelled[split] if example.label == label]
            chosen = sorted(random.choice(len(of_label), size=size, replace=False))
            examples.extend(of_label[index] for index in chosen)
    return examples


def task_statistics(examples: Iterable[ProbingExample]) -> Dict[str, object]:
    """A task's classes, its number of sentences per split, and the accuracy on the dev split of
    always answering the training split's most frequent class (the majority baseline)."""
    examples = list(examples)
    train = Counter(example.label for example in examples if example.split == "tr")
    dev = Counter(example.label for example in examples if example.split == "va")
    majority = dev[train.most_common(1)[0][0]] if train else 0
    return {
        "classes": sorted(train),
        "train": sum(train.values()),
        "dev": sum(dev.values()),
        "majority_baseline": majority / sum(dev.values()) if dev else None,
    }


def read_parsed_sentences(path: str) -> List[ParsedSentence]:
    """
    The sentences of a CoNLL-2012 file, or of the `*gold_conll` files of a directory, that have
    a constituency tree, parsed as `hmtl_ontonotes` parses them (sentences whose parse column is
    missing or not a tree are left out).
    """
    # Imported here: the readers import AllenNLP's data modules, which the task definitions
    # above do not need.
    from hmtl_allennlp.dataset_readers.ontonotes import TolerantOntonotes

    ontonotes = TolerantOntonotes()
    sentences = []
    for file_path in TolerantOntonotes.dataset_path_iterator(path):
        for rows in _sentence_rows(file_path):
            parsed = ontonotes.cells_to_sentence(rows)
            if parsed.parse_tree is not None:
                sentences.append(ParsedSentence(parsed.words, parsed.pos_tags, parsed.parse_tree))
    return sentences


def _sentence_rows(path: str) -> Iterator[List[List[str]]]:
    # Columns are separated by tabs where a file has them (a word may then hold a space), else
    # by whitespace; sentences end at blank lines and at document markers.
    rows: List[List[str]] = []
    with open(path, encoding="utf-8") as conll:
        for line in conll:
            if line.startswith("#") or not line.strip():
                if rows:
                    yield rows
                rows = []
                continue
            line = line.rstrip("\n")
            rows.append(line.split("\t") if "\t" in line else line.split())
    if rows:
        yield rows
