import json
from collections import Counter
from pathlib import Path
from typing import Iterator, List

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DataLoader, DatasetReader, Instance, Vocabulary
from allennlp.data.data_loaders.multitask_scheduler import HomogeneousRoundRobinScheduler
from allennlp.data.dataset_readers import MultiTaskDatasetReader
from allennlp.data.fields import MetadataField, TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer
from allennlp.data.tokenizers import Token

from hmtl_allennlp.data_loaders import HmtlMultiTaskDataLoader, HmtlSamplingScheduler


@DatasetReader.register("hmtl_loader_test_lines")
class LinesReader(DatasetReader):
    """One instance per line of a file whose name ends with `suffix`; records what it read."""

    read_paths: List[str] = []

    def __init__(self, suffix: str = ".txt", **kwargs) -> None:
        super().__init__(**kwargs)
        self.suffix = suffix

    def reads(self, file_path: str) -> bool:
        return file_path.endswith(self.suffix)

    def _read(self, file_path: str) -> Iterator[Instance]:
        LinesReader.read_paths.append(file_path)
        with open(file_path) as lines:
            for line in lines:
                yield Instance(
                    {
                        "tokens": TextField(
                            [Token(word) for word in line.split()],
                            {"tokens": SingleIdTokenIndexer()},
                        ),
                        "metadata": MetadataField({"line": line.strip()}),
                    }
                )


def write_lines(path: Path, task: str, count: int) -> str:
    path.write_text("".join(f"{task} {index}\n" for index in range(count)))
    return str(path)


@pytest.fixture
def data(tmp_path):
    """Three tasks: two read text files, one reads `.json` files."""
    return {
        "ner": write_lines(tmp_path / "ner.txt", "ner", 40),
        "relation": write_lines(tmp_path / "relation.txt", "relation", 9),
        "coref": write_lines(tmp_path / "coref.json", "coref", 5),
    }


def multitask_reader() -> MultiTaskDatasetReader:
    return MultiTaskDatasetReader(
        {
            "ner": LinesReader(),
            "relation": LinesReader(),
            "coref": LinesReader(suffix=".json"),
        }
    )


def make_loader(data_path, scheduler=None, **kwargs) -> HmtlMultiTaskDataLoader:
    if scheduler is None:
        scheduler = HmtlSamplingScheduler(batch_size={"ner": 8, "relation": 2, "coref": 1})
    loader = HmtlMultiTaskDataLoader(multitask_reader(), data_path, scheduler, **kwargs)
    loader.index_with(Vocabulary.from_instances(loader.iter_instances()))
    return loader


def lines(batch) -> List[str]:
    return [metadata["line"] for metadata in batch["metadata"]]


def test_built_from_params(data):
    loader = DataLoader.from_params(
        Params(
            {
                "type": "hmtl_multitask",
                "scheduler": {"type": "hmtl_sampling", "batch_size": 4, "sampling": "uniform"},
                "tasks": ["ner", "coref"],
            }
        ),
        reader=multitask_reader(),
        data_path=data,
    )
    assert isinstance(loader, HmtlMultiTaskDataLoader)
    assert loader.tasks == ["ner", "coref"]


def test_training_epoch_draws_homogeneous_batches_of_the_drawn_tasks(data):
    loader = make_loader(data)
    # N: ner 40 / 8 = 5, relation ceil(9 / 2) = 5, coref 5 / 1 = 5.
    assert len(loader) == 15
    batches = list(loader)
    assert len(batches) == 15
    expected_tasks = loader.scheduler.task_sequence({"ner": 40, "relation": 9, "coref": 5}, 0)
    assert [batch["task"][0] for batch in batches] == expected_tasks
    for batch in batches:
        task = batch["task"][0]
        assert set(batch["task"]) == {task}
        assert all(line.startswith(task) for line in lines(batch))
        assert len(batch["task"]) == {"ner": 8, "relation": 2, "coref": 1}[task]
        assert batch["tokens"]["tokens"]["tokens"].shape[0] == len(batch["task"])


def test_each_task_is_reshuffled_whenever_it_is_exhausted(data):
    loader = make_loader(data)
    drawn = {"ner": [], "relation": [], "coref": []}
    for _ in range(4):
        for batch in loader:
            drawn[batch["task"][0]].extend(lines(batch))
    for task, size in [("ner", 40), ("relation", 9), ("coref", 5)]:
        passes = [drawn[task][start : start + size] for start in range(0, len(drawn[task]), size)]
        complete = [one_pass for one_pass in passes if len(one_pass) == size]
        assert len(complete) >= 2
        # Every pass has each instance once, in a new order.
        assert all(sorted(one_pass) == sorted(complete[0]) for one_pass in complete)
        assert len({tuple(one_pass) for one_pass in complete}) == len(complete)


def test_same_seed_same_batches_and_len_draws_nothing(data):
    first, second = make_loader(data), make_loader(data)
    for _ in range(5):
        len(second)
    first_epochs = [[lines(batch) for batch in first] for _ in range(2)]
    second_epochs = [[lines(batch) for batch in second] for _ in range(2)]
    assert first_epochs == second_epochs
    assert first_epochs[0] != first_epochs[1]


def test_stopped_task_is_no_longer_drawn(data):
    loader = make_loader(data)
    loader.stop_task("ner", from_epoch=1)
    assert "ner" in {batch["task"][0] for batch in loader}
    assert len(loader) == 10
    assert {batch["task"][0] for batch in loader} == {"relation", "coref"}
    with pytest.raises(ConfigurationError, match="'emd'"):
        loader.stop_task("emd", 2)


def test_sequential_gives_every_instance_once(data):
    scheduler = HmtlSamplingScheduler(batch_size=4, sampling="sequential")
    loader = make_loader(data, scheduler)
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == len(loader) == 10 + 3 + 2
        assert all(len(set(batch["task"])) == 1 for batch in batches)
        seen = Counter(line for batch in batches for line in lines(batch))
        assert sorted(seen) == sorted(
            f"{task} {index}"
            for task, count in [("ner", 40), ("relation", 9), ("coref", 5)]
            for index in range(count)
        )
        assert set(seen.values()) == {1}


def test_batch_size_replaces_the_schedulers_batch_sizes(data):
    scheduler = HmtlSamplingScheduler(batch_size={"ner": 8, "coref": 1}, sampling="sequential")
    loader = make_loader(data, scheduler, tasks=["ner", "coref"], batch_size=20)
    assert [len(batch["task"]) for batch in loader] == [5, 20, 20]
    with pytest.raises(ConfigurationError, match="batch_size is for"):
        make_loader(data, HomogeneousRoundRobinScheduler(batch_size=4), batch_size=2)


def test_other_schedulers_behave_as_in_allennlp(data):
    loader = make_loader(data, HomogeneousRoundRobinScheduler(batch_size=4), shuffle=False)
    batches = list(loader)
    assert len(batches) == len(loader) == 15
    assert sum(len(batch["task"]) for batch in batches) == 54


def test_a_plain_path_goes_to_the_tasks_whose_reader_reads_it(data):
    assert make_loader(data["coref"]).tasks == ["coref"]
    assert make_loader(data["ner"]).tasks == ["ner", "relation"]
    assert make_loader(data["ner"], tasks=["relation"]).tasks == ["relation"]
    with pytest.raises(ConfigurationError, match=r"coref \(LinesReader\)"):
        make_loader(data["ner"], tasks=["coref"])


def test_a_json_object_string_maps_tasks_to_paths(data):
    loader = make_loader(json.dumps({"ner": data["ner"], "coref": data["coref"]}))
    assert loader.tasks == ["ner", "coref"]
    assert make_loader(data, tasks=["coref"]).tasks == ["coref"]


@pytest.mark.parametrize(
    "make_path, kwargs, message",
    [
        (lambda data: {**data, "nre": data["ner"]}, {}, "without a dataset reader: nre"),
        (lambda data: {**data, "coref": "missing.json"}, {}, "do not exist: coref: missing.json"),
        (lambda data: "missing.txt", {}, "does not exist: missing.txt"),
        (lambda data: data, {"tasks": ["emd"]}, "without a dataset reader: emd"),
        (lambda data: {"ner": data["ner"]}, {"tasks": ["coref"]}, "without a data path: coref"),
        (lambda data: data["ner"].replace(".txt", ".csv"), {}, "No task reads"),
        (lambda data: '{"ner": ', {}, "not a valid JSON object"),
        (lambda data: {}, {}, "No task selected"),
    ],
)
def test_bad_data_paths_fail_before_anything_is_read(data, make_path, kwargs, message):
    if message == "No task reads":
        Path(make_path(data)).write_text("ner 0\n")
    LinesReader.read_paths.clear()
    with pytest.raises(ConfigurationError, match=message):
        make_loader(make_path(data), **kwargs)
    assert LinesReader.read_paths == []


def test_bad_batch_sizes_and_readers(data):
    with pytest.raises(ConfigurationError, match="no dataset reader: nre"):
        make_loader(data, HmtlSamplingScheduler(batch_size={"ner": 8, "nre": 2}))
    with pytest.raises(ConfigurationError, match='"multitask" dataset reader'):
        HmtlMultiTaskDataLoader(LinesReader(), data, HmtlSamplingScheduler(batch_size=1))


def test_a_task_without_instances_is_an_error(data, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ConfigurationError, match="No instances for: relation"):
        make_loader({**data, "relation": str(empty)})


@pytest.fixture
def varied_lengths(tmp_path):
    """A task of 43 lines of 2 to 44 tokens (43 is not a multiple of the batch size 8)."""
    path = tmp_path / "ner.txt"
    path.write_text("".join(f"ner {length}{' w' * (length - 2)}\n" for length in range(2, 45)))
    return {"ner": str(path)}


def batch_lengths(batch) -> List[int]:
    return [int(line.split()[1]) for line in lines(batch)]


def test_bucketed_batches_hold_similar_lengths_and_every_instance_as_often(varied_lengths):
    scheduler = HmtlSamplingScheduler(batch_size=8, steps_per_epoch=6)
    bucketed = make_loader(varied_lengths, scheduler, bucket_by_length=True, padding_noise=0.0)
    plain = make_loader(varied_lengths, scheduler)

    def spread(loader):
        return [max(lengths) - min(lengths) for lengths in map(batch_lengths, loader)]

    bucketed_batches = [batch_lengths(batch) for _ in range(10) for batch in bucketed]
    assert all(len(lengths) == 8 for lengths in bucketed_batches)
    # Without noise, a pass of 40 sorted instances is cut into 5 batches of consecutive ones:
    # lengths within a batch differ far less than in random batches.
    assert max(max(lengths) - min(lengths) for lengths in bucketed_batches) < 43 / 2
    assert sum(spread(bucketed)) * 3 < sum(spread(plain))
    # The instances left over by a pass open the next one: over 60 batches (480 draws of 43
    # instances) no instance is drawn more than twice as often as another.
    counts = Counter(length for lengths in bucketed_batches for length in lengths)
    assert set(counts) == set(range(2, 45))
    assert max(counts.values()) - min(counts.values()) <= 2
    # Batches are taken in a random order, not shortest first.
    first_pass = [min(lengths) for lengths in bucketed_batches[:5]]
    assert first_pass != sorted(first_pass)


def test_bucketed_stream_is_the_same_for_the_same_seed_and_tasks_of_one_are_untouched(data):
    first, second = (make_loader(data, bucket_by_length=True) for _ in range(2))
    epochs = [[[lines(batch) for batch in loader] for _ in range(3)] for loader in (first, second)]
    assert epochs[0] == epochs[1]
    # coref has batches of one instance: its draws are those of the loader without buckets.
    plain = make_loader(data)
    coref_lines = [
        [line for batch in loader if batch["task"][0] == "coref" for line in lines(batch)]
        for loader in (make_loader(data, bucket_by_length=True), plain)
    ]
    assert coref_lines[0] == coref_lines[1]


def test_padding_noise_out_of_range_is_an_error(data):
    with pytest.raises(ConfigurationError, match="padding_noise must be in"):
        make_loader(data, bucket_by_length=True, padding_noise=1.5)


def test_bucketing_in_pools_sorts_within_each_pool_only(varied_lengths):
    scheduler = HmtlSamplingScheduler(batch_size=8, steps_per_epoch=5)
    whole = make_loader(varied_lengths, scheduler, bucket_by_length=True, padding_noise=0.0)
    pooled = make_loader(
        varied_lengths, scheduler, bucket_by_length=True, padding_noise=0.0, bucket_pool_batches=1
    )
    # Pools of one batch: the batches are the shuffled pass cut in eights, as without buckets.
    plain = make_loader(varied_lengths, scheduler)
    # The first epoch of each (5 batches of the first pass).
    pooled_sets, whole_sets, plain_sets = (
        sorted(sorted(lines(batch)) for batch in loader) for loader in (pooled, whole, plain)
    )
    assert pooled_sets == plain_sets
    assert pooled_sets != whole_sets
    with pytest.raises(ConfigurationError, match="bucket_pool_batches must be at least 1"):
        make_loader(varied_lengths, bucket_by_length=True, bucket_pool_batches=0)
