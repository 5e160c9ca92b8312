from collections import Counter

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data.data_loaders.multitask_scheduler import MultiTaskScheduler
from scipy.stats import chisquare

from hmtl_allennlp.data_loaders import HmtlSamplingScheduler
from hmtl_allennlp.data_loaders.hmtl_sampling_scheduler import with_floor

# Instances per task; with the batch sizes below: N = ner 50, emd 20, relation 5, coref 25.
COUNTS = {"ner": 1600, "emd": 640, "relation": 20, "coref": 25}
BATCH_SIZE = {"ner": 32, "emd": 32, "relation": 4, "coref": 1}
BATCHES = {"ner": 50, "emd": 20, "relation": 5, "coref": 25}
STEPS = 20000


def scheduler(**kwargs) -> HmtlSamplingScheduler:
    kwargs.setdefault("batch_size", BATCH_SIZE)
    return HmtlSamplingScheduler(**kwargs)


def frequencies(sequence):
    counts = Counter(sequence)
    return [counts[task] for task in sorted(COUNTS)]


def p_value(sequence, probabilities):
    expected = [probabilities[task] * len(sequence) for task in sorted(COUNTS)]
    return chisquare(frequencies(sequence), expected).pvalue


def test_registered_and_built_from_params():
    built = MultiTaskScheduler.from_params(
        Params({"type": "hmtl_sampling", "batch_size": BATCH_SIZE, "sampling": "uniform"})
    )
    assert isinstance(built, HmtlSamplingScheduler)
    assert built.sampling == "uniform"


@pytest.mark.parametrize(
    "kwargs, weights",
    [
        ({}, BATCHES),
        ({"sampling": "uniform"}, {task: 1 for task in BATCHES}),
        (
            {"sampling": "temperature", "temperature": 2.0},
            {t: n**0.5 for t, n in BATCHES.items()},
        ),
    ],
)
def test_drawn_frequencies_follow_the_scheme(kwargs, weights):
    sampler = scheduler(steps_per_epoch=STEPS, **kwargs)
    total = sum(weights.values())
    expected = {task: weight / total for task, weight in weights.items()}
    assert sampler.task_probabilities(COUNTS) == pytest.approx(expected)
    for epoch in range(3):
        sequence = sampler.task_sequence(COUNTS, epoch)
        assert len(sequence) == STEPS
        assert p_value(sequence, expected) > 1e-3
    # The test can tell the schemes apart: proportional draws are far from uniform.
    if kwargs == {}:
        uniform = {task: 1 / len(COUNTS) for task in COUNTS}
        assert p_value(sequence, uniform) < 1e-12


def test_temperature_one_is_proportional_and_large_tends_to_uniform():
    proportional = scheduler().task_probabilities(COUNTS)
    assert scheduler(sampling="temperature", temperature=1.0).task_probabilities(
        COUNTS
    ) == pytest.approx(proportional)
    hot = scheduler(sampling="temperature", temperature=1e6).task_probabilities(COUNTS)
    assert hot == pytest.approx({task: 0.25 for task in COUNTS}, abs=1e-5)


def test_an_epoch_is_the_total_number_of_batches_by_default():
    assert scheduler().count_batches(COUNTS) == sum(BATCHES.values())
    assert len(scheduler().task_sequence(COUNTS, 0)) == sum(BATCHES.values())
    assert scheduler(steps_per_epoch=7).count_batches(COUNTS) == 7
    assert scheduler(batch_size=10).batches_per_task({"a": 21, "b": 20}) == {"a": 3, "b": 2}


def test_same_seed_and_epoch_same_sequence_else_different():
    first = scheduler(seed=5)
    second = scheduler(seed=5)
    # Counting batches draws nothing.
    second.count_batches(COUNTS)
    assert first.task_sequence(COUNTS, 3) == second.task_sequence(COUNTS, 3)
    assert first.task_sequence(COUNTS, 3) != first.task_sequence(COUNTS, 4)
    assert first.task_sequence(COUNTS, 3) != scheduler(seed=6).task_sequence(COUNTS, 3)
    # The order of the tasks in the counts does not matter.
    reordered = dict(reversed(list(COUNTS.items())))
    assert first.task_sequence(reordered, 3) == first.task_sequence(COUNTS, 3)


def test_sampled_batches_take_the_next_instances_of_the_drawn_task():
    sampler = scheduler(batch_size={"a": 2, "b": 3}, steps_per_epoch=50)
    counts = {"a": 4, "b": 3}
    streams = {"a": iter(range(10**6)), "b": iter(range(-1, -(10**6), -1))}
    batches = list(sampler.batch_instances(streams, dataset_counts=counts, epoch=1))
    tasks = sampler.task_sequence(counts, 1)
    assert [("a" if batch[0] >= 0 else "b") for batch in batches] == tasks
    a_batches = [batch for batch in batches if batch[0] >= 0]
    assert a_batches[:2] == [[0, 1], [2, 3]]
    assert all(len(batch) == (2 if batch[0] >= 0 else 3) for batch in batches)


def test_sequential_batches_every_instance_once():
    sampler = scheduler(batch_size={"a": 2, "b": 3}, sampling="sequential")
    instances = {"b": list(range(100, 107)), "a": list(range(5))}
    counts = {"a": 5, "b": 7}
    batches = list(sampler.batch_instances(instances, dataset_counts=counts))
    assert batches == [[0, 1], [2, 3], [4], [100, 101, 102], [103, 104], [105, 106]]
    assert sampler.count_batches(counts) == len(batches)


def test_sequential_spreads_a_larger_shard_over_the_agreed_number_of_batches():
    # A distributed worker whose shard has one instance more than the smallest shard.
    sampler = scheduler(batch_size=2, sampling="sequential")
    batches = list(sampler.batch_instances({"a": range(5)}, dataset_counts={"a": 4}))
    assert [len(batch) for batch in batches] == [3, 2]
    assert sum(batches, []) == list(range(5))


def test_batch_instances_needs_the_dataset_counts():
    with pytest.raises(ConfigurationError, match="hmtl_multitask"):
        list(scheduler().batch_instances({"ner": []}))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sampling": "random"}, "Unknown sampling 'random'"),
        ({"sampling": "temperature"}, "needs a `temperature`"),
        ({"sampling": "temperature", "temperature": 0}, "greater than 0"),
        ({"sampling": "temperature", "temperature": -1.5}, "greater than 0"),
        ({"temperature": 2.0}, "only used by sampling"),
        ({"steps_per_epoch": 0}, "steps_per_epoch must be at least 1"),
        ({"sampling": "sequential", "steps_per_epoch": 3}, "takes no steps_per_epoch"),
        ({"batch_size": {"ner": 0}}, "at least 1"),
        ({"seed": -1}, "seed must not be negative"),
        ({"sampling": "annealed"}, "needs `anneal_epochs`"),
        ({"sampling": "annealed", "anneal_epochs": 1}, "at least 2"),
        ({"anneal_epochs": 10}, "only used by sampling"),
        ({"min_probability": 1.5}, "between 0 and 1"),
        ({"sampling": "sequential", "min_probability": 0.1}, "takes no min_probability"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        scheduler(**kwargs)


def test_check_tasks_names_bad_batch_size_keys():
    sampler = scheduler(batch_size={"ner": 32, "nre": 4})
    with pytest.raises(ConfigurationError, match="nre"):
        sampler.check_tasks(["ner"], ["ner", "coref"])
    with pytest.raises(ConfigurationError, match="no batch size for coref"):
        scheduler(batch_size={"ner": 32}).check_tasks(["ner", "coref"], ["ner", "coref"])
    scheduler(batch_size=8).check_tasks(["ner", "coref"], ["ner", "coref"])


def test_annealed_exponent_falls_from_one_to_a_fifth():
    # Stickland and Murray (2019): alpha = 1 - 0.8 (e - 1) / (E - 1), e = 1 .. E; the loader
    # counts epochs from 0.
    sampler = scheduler(sampling="annealed", anneal_epochs=5)
    assert [sampler.annealing_exponent(epoch) for epoch in range(7)] == pytest.approx(
        [1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2]
    )


def test_annealed_probabilities_by_hand():
    sampler = scheduler(sampling="annealed", anneal_epochs=3, batch_size=1)
    counts = {"large": 81, "small": 1}
    # Epoch 1: proportional, 81 : 1.
    assert sampler.task_probabilities(counts, 0) == pytest.approx(
        {"large": 81 / 82, "small": 1 / 82}
    )
    # Epoch 2: alpha 0.6, 81 ** 0.6 = 3 ** 2.4.
    large = 3**2.4
    assert sampler.task_probabilities(counts, 1) == pytest.approx(
        {"large": large / (large + 1), "small": 1 / (large + 1)}
    )
    # Epoch 3 and after: alpha 0.2, 81 ** 0.2 = 3 ** 0.8.
    large = 3**0.8
    for epoch in (2, 9):
        assert sampler.task_probabilities(counts, epoch) == pytest.approx(
            {"large": large / (large + 1), "small": 1 / (large + 1)}
        )


def test_annealed_draws_follow_each_epoch_probabilities():
    sampler = scheduler(sampling="annealed", anneal_epochs=4, steps_per_epoch=STEPS)
    for epoch in (0, 3):
        expected = sampler.task_probabilities(COUNTS, epoch)
        assert p_value(sampler.task_sequence(COUNTS, epoch), expected) > 1e-3
    # The last epoch's shares are far from the first's.
    first = sampler.task_probabilities(COUNTS, 0)
    assert p_value(sampler.task_sequence(COUNTS, 3), first) < 1e-12


def test_floor_by_hand():
    # Proportional: ner 0.5, emd 0.2, relation 0.05, coref 0.25. A floor of 0.1 raises relation
    # to 0.1; the others share 0.9 as 50 : 20 : 25.
    sampler = scheduler(min_probability=0.1)
    assert sampler.task_probabilities(COUNTS) == pytest.approx(
        {"ner": 0.9 * 50 / 95, "emd": 0.9 * 20 / 95, "relation": 0.1, "coref": 0.9 * 25 / 95}
    )
    # A floor of 0.2: relation is raised first, which takes emd (0.8 * 20 / 95 = 0.168) under
    # it too; ner and coref share 0.6 as 50 : 25.
    floored = scheduler(min_probability=0.2).task_probabilities(COUNTS)
    assert floored == pytest.approx({"ner": 0.4, "emd": 0.2, "relation": 0.2, "coref": 0.2})
    # At 1 / (number of tasks) every task gets the floor: uniform.
    assert with_floor({"a": 0.9, "b": 0.1}, 0.5) == pytest.approx({"a": 0.5, "b": 0.5})
    # A floor already met changes nothing.
    assert with_floor({"a": 0.6, "b": 0.4}, 0.3) == pytest.approx({"a": 0.6, "b": 0.4})
    with pytest.raises(ConfigurationError, match="cannot hold for 4 tasks"):
        scheduler(min_probability=0.3).task_probabilities(COUNTS)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"sampling": "temperature", "temperature": 2.0},
        {"sampling": "annealed", "anneal_epochs": 3},
    ],
)
def test_floor_holds_for_every_scheme_and_epoch(kwargs):
    sampler = scheduler(min_probability=0.15, steps_per_epoch=STEPS, **kwargs)
    for epoch in range(4):
        probabilities = sampler.task_probabilities(COUNTS, epoch)
        assert sum(probabilities.values()) == pytest.approx(1.0)
        assert min(probabilities.values()) >= 0.15 - 1e-12
        sequence = sampler.task_sequence(COUNTS, epoch)
        # The smallest task's share of an epoch's updates is about its floor, not its 5 %.
        share = Counter(sequence)["relation"] / len(sequence)
        assert share == pytest.approx(probabilities["relation"], abs=0.01)
        assert p_value(sequence, probabilities) > 1e-3


def test_remedies_from_params_through_the_loader_copy():
    built = MultiTaskScheduler.from_params(
        Params(
            {
                "type": "hmtl_sampling",
                "batch_size": BATCH_SIZE,
                "sampling": "annealed",
                "anneal_epochs": 8,
                "min_probability": 0.05,
            }
        )
    )
    assert isinstance(built, HmtlSamplingScheduler)
    assert (built.anneal_epochs, built.min_probability) == (8, 0.05)
