"""The probing classifiers, and the SentEval files they read."""

import numpy
import pytest

from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.probing.probes import read_senteval_task, train_probe


def separable(count: int, seed: int):
    # Two classes told apart by the sign of the first feature, the other features noise.
    random = numpy.random.default_rng(seed)
    features = random.normal(size=(count, 8))
    labels = ["pos" if value > 0 else "neg" for value in features[:, 0]]
    features[:, 0] += numpy.where(features[:, 0] > 0, 2.0, -2.0)
    return features, labels


@pytest.mark.parametrize("probe", ["linear", "mlp"])
def test_a_probe_separates_a_trivially_separable_task(probe):
    result = train_probe(separable(400, 0), separable(100, 1), probe)
    assert result.dev_accuracy == 1.0


def test_a_probe_on_noise_stays_near_chance():
    random = numpy.random.default_rng(2)
    train = (random.normal(size=(400, 8)), list(random.choice(["a", "b"], size=400)))
    dev = (random.normal(size=(200, 8)), list(random.choice(["a", "b"], size=200)))
    assert train_probe(train, dev, "linear").dev_accuracy < 0.65


def test_senteval_files_are_read_and_bad_lines_named(tmp_path):
    good = tmp_path / "task.txt"
    good.write_text("tr\tPAST\tShe left .\nva\tPRES\tShe leaves .\n", encoding="utf-8")
    assert read_senteval_task(str(good)) == {
        "tr": [("PAST", ["She", "left", "."])],
        "va": [("PRES", ["She", "leaves", "."])],
    }
    bad = tmp_path / "bad.txt"
    bad.write_text("tr\tPAST\tShe left .\ntrain PAST She left\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad.txt, line 2: expected split"):
        read_senteval_task(str(bad))
