"""The probing tasks: each label read off a hand-made tree, the balance of classes, and the
command that writes them in SentEval's format."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy
import pytest
from nltk import Tree

from hmtl_allennlp.probing.tasks import (
    ParsedSentence,
    ProbingExample,
    _balanced,
    bigram_shift,
    build_probing_tasks,
    coordination_inversion,
    object_number,
    read_parsed_sentences,
    sentence_length,
    subject_number,
    tense,
    top_constituents,
    tree_depth,
    word_content_task,
)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = REPOSITORY_ROOT / "fixtures" / "data" / "probing.gold_conll"


def parsed(tree: str) -> ParsedSentence:
    parse = Tree.fromstring(tree)
    words, tags = zip(*parse.pos())
    return ParsedSentence(list(words), list(tags), parse)


def random(seed: int = 0) -> numpy.random.Generator:
    return numpy.random.default_rng(seed)


# (TOP (S (NP-SBJ (DT The) (NNS judges)) (VP (VBD ruled) (NP (DT the) (NN case))) (. .)))
JUDGES = "(TOP (S (NP-SBJ (DT The) (NNS judges)) (VP (VBD ruled) (NP (DT the) (NN case))) (. .)))"
# Subject "The court of appeals" (head: court), "has heard appeals": present, plural object.
COURT = (
    "(TOP (S (NP-SBJ (NP (DT The) (NN court)) (PP (IN of) (NP (NNS appeals)))) "
    "(VP (VBZ has) (VP (VBN heard) (NP (NNS appeals)))) (. .)))"
)
COORDINATED = (
    "(TOP (S (S (NP-SBJ (NNP Anna)) (VP (VBD sang))) (CC and) "
    "(S (NP-SBJ (NNP Ben)) (VP (VBD danced))) (. .)))"
)
QUESTION = "(TOP (SQ (MD Will) (NP-SBJ (PRP it)) (VP (VB rain)) (. ?)))"


def test_labels_read_off_the_trees():
    judges, court = parsed(JUDGES), parsed(COURT)
    assert sentence_length(judges, random()) == ("5-8", judges.words)
    assert sentence_length(parsed(QUESTION), random()) is None  # 4 words: below the bins
    # JUDGES: S, VP, NP, NN: 4 constituents, below 5; COURT: S, NP, PP, NP, NNS (or S, VP, VP,
    # NP, NNS): 5.
    assert tree_depth(judges, random()) is None
    assert tree_depth(court, random())[0] == "5"
    assert top_constituents(judges, random())[0] == "NP VP ."
    assert top_constituents(parsed(QUESTION), random()) is None  # not a clause (SQ)
    assert tense(judges, random())[0] == "PAST"
    assert tense(court, random())[0] == "PRES"  # the finite verb: has
    assert tense(parsed(QUESTION), random()) is None
    assert subject_number(judges, random())[0] == "NNS"
    assert subject_number(court, random())[0] == "NN"  # the court (of appeals)
    assert subject_number(parsed(QUESTION), random()) is None
    assert object_number(judges, random())[0] == "NN"
    assert object_number(court, random())[0] == "NNS"  # has [heard [appeals]]
    assert coordination_inversion(judges, random()) is None


def test_coordination_inversion_swaps_the_two_clauses_of_half_the_sentences():
    sentence = parsed(COORDINATED)
    results = [coordination_inversion(sentence, random(seed)) for seed in range(20)]
    assert {label for label, _ in results} == {"O", "I"}
    for label, words in results:
        expected = "Anna sang and Ben danced ." if label == "O" else "Ben danced and Anna sang ."
        assert " ".join(words) == expected


def test_bigram_shift_swaps_two_adjacent_words_of_half_the_sentences():
    sentence = parsed(COURT)
    results = [bigram_shift(sentence, random(seed)) for seed in range(40)]
    assert {label for label, _ in results if label} == {"O", "I"}
    for label, words in (result for result in results if result is not None):
        differences = [i for i, (a, b) in enumerate(zip(words, sentence.words)) if a != b]
        assert sorted(words) == sorted(sentence.words)
        if label == "O":
            assert differences == []
        else:
            assert len(differences) == 2 and differences[1] == differences[0] + 1


def test_word_content_labels_sentences_with_exactly_one_chosen_word(monkeypatch):
    monkeypatch.setattr("hmtl_allennlp.probing.tasks.WORD_CONTENT_RANKS", (0, 2))
    train = [parsed(JUDGES), parsed(JUDGES), parsed(COURT), parsed(COURT), parsed(COURT)]
    # Alphabetic words by frequency: the (5), appeals (6: 2 per COURT) ... ranks 0 and 1.
    word_content = word_content_task(train)
    assert word_content(parsed(JUDGES), random()) == ("the", parsed(JUDGES).words)
    assert word_content(parsed(COURT), random()) is None  # both "the" and "appeals"


def test_classes_are_balanced_and_rare_classes_dropped():
    def examples(split, counts):
        return [
            ProbingExample(split, label, [label]) for label, n in counts.items() for _ in range(n)
        ]

    labelled = {
        "tr": examples("tr", {"a": 30, "b": 22, "rare": 3}),
        "va": examples("va", {"a": 9, "b": 6, "rare": 9}),
    }
    balanced = _balanced(labelled, random(), {"tr": 20, "va": 5})
    counts = Counter((example.split, example.label) for example in balanced)
    assert counts == {("tr", "a"): 22, ("tr", "b"): 22, ("va", "a"): 6, ("va", "b"): 6}


def test_the_fixture_file_is_read_with_its_trees():
    sentences = read_parsed_sentences(str(FIXTURE))
    assert [" ".join(sentence.words) for sentence in sentences] == [
        "The judges ruled the case .",
        "The court of appeals has heard appeals .",
        "Anna sang and Ben danced .",
        "Will it rain ?",
    ]
    assert str(sentences[0].tree) == str(Tree.fromstring(JUDGES))
    assert tense(sentences[1], random())[0] == "PRES"


def test_the_same_sentences_and_seed_give_the_same_tasks():
    sentences = read_parsed_sentences(str(FIXTURE)) * 3
    first = build_probing_tasks(sentences, sentences, seed=5, min_class_sizes=(1, 1))
    assert first == build_probing_tasks(sentences, sentences, seed=5, min_class_sizes=(1, 1))
    assert {example.label for example in first["tense"]} == {"PAST", "PRES"}
    assert first["tense"][0].split == "tr" and first["tense"][-1].split == "va"


@pytest.mark.slow
def test_the_command_writes_senteval_files_and_never_overwrites(tmp_path):
    output_dir = tmp_path / "tasks"

    def command():
        return subprocess.run(
            [str(Path(sys.executable).parent / "allennlp"), "hmtl-probing-tasks", str(FIXTURE),
             str(FIXTURE), str(output_dir), "--min-class-sizes", "1", "1",
             "--include-package", "hmtl_allennlp"],
            capture_output=True, text=True, cwd=REPOSITORY_ROOT, timeout=300,
        )  # fmt: skip

    result = command()
    assert result.returncode == 0, result.stderr[-2000:]
    lines = (output_dir / "tense.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["tr", "PAST"], ["tr", "PRES"], ["va", "PAST"], ["va", "PRES"],
    ]  # fmt: skip
    assert lines[1].split("\t")[2] == "The court of appeals has heard appeals ."
    summary = json.loads((output_dir / "tasks.json").read_text(encoding="utf-8"))
    assert summary["tasks"]["tense"] == {
        "classes": ["PAST", "PRES"], "train": 2, "dev": 2, "majority_baseline": 0.5,
    }  # fmt: skip
    written = (output_dir / "tense.txt").read_bytes()
    again = command()
    assert again.returncode != 0 and "already holds probing task files" in again.stderr
    assert (output_dir / "tense.txt").read_bytes() == written
