from fractions import Fraction

import pytest

from hmtl_allennlp.convert.conll2012 import (
    format_coreference_document,
    read_coreference_file,
    score_coreference_files,
    write_coreference_file,
)
from hmtl_allennlp.metrics import CorefScores


def canonical(clusters):
    return sorted(sorted(tuple(mention) for mention in cluster) for cluster in clusters)


def test_document_lines():
    document = {
        "doc_key": "Le Monde (newspaper)",
        "sentences": [["John", "\u00a0", "saw"], ["him", "."]],
        # Cluster 0: John, him; cluster 1: "John \u00a0 saw" (nested with John).
        "clusters": [[[0, 0], [3, 3]], [[0, 2]]],
    }
    assert format_coreference_document(document) == [
        "#begin document (Le Monde (newspaper)); part 000",
        "Le_Monde_(newspaper)\t0\t0\tJohn\t-\t-\t-\t-\t-\t-\t-\t(0)|(1",
        # The lone no-break space is written as the placeholder.
        "Le_Monde_(newspaper)\t0\t1\t_\t-\t-\t-\t-\t-\t-\t-\t-",
        "Le_Monde_(newspaper)\t0\t2\tsaw\t-\t-\t-\t-\t-\t-\t-\t1)",
        "",
        "Le_Monde_(newspaper)\t0\t0\thim\t-\t-\t-\t-\t-\t-\t-\t(0)",
        "Le_Monde_(newspaper)\t0\t1\t.\t-\t-\t-\t-\t-\t-\t-\t-",
        "",
        "#end document",
    ]


def test_key_file_round_trip(tmp_path):
    documents = [
        {
            "doc_key": "wiki 0",
            "sentences": [["A", "\u00a0", "b", "c"], ["d", "e f", ""], ["g"]],
            "clusters": [
                # Nested mentions of one cluster, one sharing the start of the other.
                [[0, 3], [0, 1], [2, 3], [6, 6]],
                # A singleton across a sentence boundary, and one-token mentions.
                [[3, 4]],
                [[2, 2], [7, 7], [5, 5]],
            ],
        },
        {"doc_key": "empty clusters", "sentences": [["x", "y"]], "clusters": []},
    ]
    path = tmp_path / "key.conll"
    write_coreference_file(documents, path)
    read = read_coreference_file(path)
    assert [document["doc_key"] for document in read] == ["wiki 0", "empty clusters"]
    assert read[0]["sentences"] == [["A", "_", "b", "c"], ["d", "e_f", "_"], ["g"]]
    assert read[1]["sentences"] == [["x", "y"]]
    for original, parsed in zip(documents, read):
        assert canonical(parsed["clusters"]) == canonical(original["clusters"])


def test_reads_hand_written_file_like_the_scorer(tmp_path):
    # Space-separated columns as in the OntoNotes release, a part other than 000, several
    # brackets on one token, and "(3" opened twice before its closings.
    path = tmp_path / "response.conll"
    path.write_text(
        "#begin document (bc/cctv/00/cctv_0000); part 001\n"
        "bc/cctv/00/cctv_0000 1 0 The - (3|(12\n"
        "bc/cctv/00/cctv_0000 1 1 big - (3|(7)\n"
        "bc/cctv/00/cctv_0000 1 2 cat - 3)|12)\n"
        "bc/cctv/00/cctv_0000 1 3 sat - 3)\n"
        "\n"
        "bc/cctv/00/cctv_0000 1 0 It - (12)\n"
        "#end document\n"
    )
    [document] = read_coreference_file(path)
    assert document["doc_key"] == "(bc/cctv/00/cctv_0000); part 001"
    assert document["sentences"] == [["The", "big", "cat", "sat"], ["It"]]
    # Clusters in order of first appearance (3 and 12 on token 0, then 7), mentions in the
    # order they close, each closing paired with the latest opening of its cluster.
    assert document["clusters"] == [[[1, 2], [0, 3]], [[0, 2], [4, 4]], [[1, 1]]]


@pytest.mark.parametrize(
    "coreference_lines, message",
    [
        (["(1", "-"], "line 4: document .* ends with mentions still open"),
        (["-", "1)"], "line 3: mention of cluster 1 closed but never opened"),
        (["(1)", "(x)"], r"line 3: cannot read coreference '\(x\)'"),
    ],
)
def test_malformed_files_name_the_file_and_line(tmp_path, coreference_lines, message):
    path = tmp_path / "bad.conll"
    lines = ["#begin document (d); part 000"]
    lines += [
        f"d\t0\t{index}\tw\t{coreference}" for index, coreference in enumerate(coreference_lines)
    ]
    lines += ["#end document"]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=f"bad.conll, {message}"):
        read_coreference_file(path)


def test_unclosed_document_is_an_error(tmp_path):
    path = tmp_path / "cut.conll"
    path.write_text("#begin document (d); part 000\nd\t0\t0\tw\t-\n")
    with pytest.raises(ValueError, match="cut.conll: document .* is not closed"):
        read_coreference_file(path)


@pytest.mark.parametrize(
    "clusters, message",
    [
        (
            [[[0, 2], [2, 3]]],
            r"mentions \[0, 2\] and \[2, 3\] of cluster 0 overlap without nesting",
        ),
        (
            [[[0, 1]], [[1, 3], [0, 2]]],
            r"mentions \[0, 2\] and \[1, 3\] of cluster 1 overlap without nesting",
        ),
        ([[[3, 4]]], r"mention \[3, 4\] of cluster 0 is not within its 4 tokens"),
    ],
)
def test_clusters_the_format_cannot_express_are_errors(clusters, message):
    document = {"doc_key": "d", "sentences": [["a", "b", "c", "d"]], "clusters": clusters}
    with pytest.raises(ValueError, match=f"Document 'd': {message}"):
        format_coreference_document(document)


def test_scoring_files_equals_scoring_clusters(tmp_path):
    sentences = [["w"] * 9]
    a, b, c, d, e, f, x, y, z = ([token, token] for token in range(9))
    key_documents = [
        {"doc_key": "tc-a", "sentences": sentences, "clusters": [[a], [b, c], [d, e, f]]},
        {"doc_key": "unanswered", "sentences": sentences, "clusters": [[a, b]]},
    ]
    response_documents = [
        # The scorer's test case TC-A-4, b repeated in a later cluster (TC-A-8).
        {"doc_key": "tc-a", "sentences": sentences, "clusters": [[a], [b, c, x], [d, y], [b, z]]},
        {"doc_key": "not in the key", "sentences": sentences, "clusters": [[a, b]]},
    ]
    write_coreference_file(key_documents, tmp_path / "key")
    write_coreference_file(response_documents, tmp_path / "response")
    from_files = score_coreference_files(tmp_path / "key", tmp_path / "response")

    direct = CorefScores()
    direct(
        [response_documents[0]["clusters"], []],
        [document["clusters"] for document in key_documents],
    )
    assert from_files == pytest.approx(direct.get_metric(), abs=1e-12)
    # MUC recall: TC-A-4's 1/3 plus the unanswered document's 0/1 -> 1/4; precision 1/3.
    assert from_files["muc_recall"] == pytest.approx(float(Fraction(1, 4)), abs=1e-12)
    assert from_files["muc_precision"] == pytest.approx(float(Fraction(1, 3)), abs=1e-12)
    # B3 recall: (10/3 + 0) / (6 + 2) mentions.
    assert from_files["b3_recall"] == pytest.approx(float(Fraction(10, 3) / 8), abs=1e-12)
