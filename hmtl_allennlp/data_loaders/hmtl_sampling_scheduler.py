import itertools
import math
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Set, Union

import numpy
from allennlp.common.checks import ConfigurationError
from allennlp.data.data_loaders.multitask_scheduler import MultiTaskScheduler
from allennlp.data.instance import Instance

SAMPLING_SCHEMES = ("proportional", "uniform", "temperature", "annealed", "sequential")
# Annealed sampling's exponent falls linearly from 1 (proportional) in the first epoch to
# 1 - ANNEALED_DROP = 0.2 in the last (Stickland and Murray 2019, "BERT and PALs", section 4).
ANNEALED_DROP = 0.8


@MultiTaskScheduler.register("hmtl_sampling")
class HmtlSamplingScheduler(MultiTaskScheduler):
    """
    The multi-task schedule of HMTL (Sanh, Wolf and Ruder, AAAI 2019): after every parameter
    update, the task of the next batch is drawn at random, and that task's next batch is used.
    Batches are homogeneous in task. With `N_t` the number of batches of task t (its number of
    instances over its batch size, rounded up), the task of each step is drawn with
    probability:

    - "proportional" (the paper's): `p_t = N_t / sum_k N_k`;
    - "uniform": `p_t = 1 / T` for T tasks;
    - "temperature": `p_t` proportional to `N_t ** (1 / temperature)`: a temperature of 1 is
      "proportional", a large one tends to "uniform";
    - "annealed" (Stickland and Murray 2019, "BERT and PALs: Projected Attention Layers for
      Efficient Adaptation in Multi-Task Learning", section 4): `p_t` proportional to
      `N_t ** alpha`, with `alpha = 1 - 0.8 (e - 1) / (E - 1)` in epoch `e = 1 .. E`
      (`E = anneal_epochs`; `alpha` stays at 0.2 after epoch E): proportional at first, closer to
      uniform by the end, so that the small tasks get more of the later updates without the
      large ones starting late.

    `min_probability` then puts a floor under every task's share of the updates, whatever the
    scheme: a task below it is raised to it and the others share what is left in the
    proportions the scheme gave them (repeated until no task is below the floor). Under
    proportional sampling the task with the least data can otherwise get a few percent of the
    updates of a multi-task model, too few for it to converge when the large tasks do.

    The draws of epoch `e` are a function of `(seed, e)` and of the tasks and their sizes only,
    so a run resumed with `--recover` draws what the uninterrupted run would have drawn, and
    every distributed worker draws the same task at each step.

    "sequential" draws nothing: it batches every instance of every task exactly once, task after
    task (in sorted task order), as validation and evaluation need. In distributed runs the
    workers' shards of a task may differ by a few instances; every worker then splits its shard
    into the same number of batches (that of the smallest shard), so that all workers take the
    same number of steps and no instance is left out, and a worker with a larger shard has a few
    batches one or more instances larger than `batch_size`.

    This scheduler is used by the "hmtl_multitask" `DataLoader`, which gives `batch_instances`
    the sizes of the datasets and the epoch, and, for training, an endless stream of each task's
    instances, reshuffled every time the task's data is exhausted. A training batch is the next
    `batch_size` instances of its task's stream, so every batch is full (the one that reaches
    the end of a pass goes on with the start of the next).

    # Parameters

    batch_size : `Union[int, Dict[str, int]]`
        The number of instances in a batch of each task (e.g. 32 sentences for NER and EMD, 4 for
        relations, 1 document for coreference), or one number for every task.
    sampling : `str`, optional (default = `"proportional"`)
        "proportional", "uniform", "temperature" or "sequential", as described above.
    temperature : `float`, optional (default = `None`)
        The temperature of "temperature" sampling, greater than zero. Required by that scheme and
        not allowed with the others.
    anneal_epochs : `int`, optional (default = `None`)
        `E` of "annealed" sampling, the epoch at which `alpha` reaches its lowest value (usually
        the trainer's `num_epochs`), at least 2. Required by that scheme and not allowed with the
        others.
    min_probability : `float`, optional (default = `None`)
        The least probability of drawing each task at a step, between 0 and 1 / (number of
        tasks); `None` for no floor. Not allowed with "sequential", which draws nothing.
    steps_per_epoch : `int`, optional (default = `None`)
        The number of batches of a training epoch. By default `sum_k N_k`, so that an epoch sees
        about as many batches of each task as the task has. Not allowed with "sequential".
    seed : `int`, optional (default = `13370`)
        Seeds the task draws and the "hmtl_multitask" loader's reshuffling of each task's data.

    Registered as a `MultiTaskScheduler` with name "hmtl_sampling".
    """

    def __init__(
        self,
        batch_size: Union[int, Dict[str, int]],
        sampling: str = "proportional",
        temperature: Optional[float] = None,
        steps_per_epoch: Optional[int] = None,
        seed: int = 13370,
        anneal_epochs: Optional[int] = None,
        min_probability: Optional[float] = None,
    ) -> None:
        if sampling not in SAMPLING_SCHEMES:
            raise ConfigurationError(
                f"Unknown sampling {sampling!r}; choose one of {', '.join(SAMPLING_SCHEMES)}."
            )
        if sampling == "temperature":
            if temperature is None:
                raise ConfigurationError('sampling "temperature" needs a `temperature`.')
            if temperature <= 0:
                raise ConfigurationError(f"temperature must be greater than 0, got {temperature}.")
        elif temperature is not None:
            raise ConfigurationError(
                f'temperature is only used by sampling "temperature", not {sampling!r}.'
            )
        if sampling == "annealed":
            if anneal_epochs is None:
                raise ConfigurationError('sampling "annealed" needs `anneal_epochs`.')
            if anneal_epochs < 2:
                raise ConfigurationError(f"anneal_epochs must be at least 2, got {anneal_epochs}.")
        elif anneal_epochs is not None:
            raise ConfigurationError(
                f'anneal_epochs is only used by sampling "annealed", not {sampling!r}.'
            )
        if min_probability is not None:
            if sampling == "sequential":
                raise ConfigurationError('sampling "sequential" takes no min_probability.')
            if not 0 <= min_probability <= 1:
                raise ConfigurationError(
                    f"min_probability must be between 0 and 1, got {min_probability}."
                )
        if steps_per_epoch is not None:
            if sampling == "sequential":
                raise ConfigurationError('sampling "sequential" takes no steps_per_epoch.')
            if steps_per_epoch < 1:
                raise ConfigurationError(
                    f"steps_per_epoch must be at least 1, got {steps_per_epoch}."
                )
        sizes = batch_size.values() if isinstance(batch_size, dict) else [batch_size]
        if any(size < 1 for size in sizes):
            raise ConfigurationError(f"Batch sizes must be at least 1, got {batch_size}.")
        if seed < 0:
            raise ConfigurationError(f"seed must not be negative, got {seed}.")
        self.batch_size = batch_size
        self.sampling = sampling
        self.temperature = temperature
        self.steps_per_epoch = steps_per_epoch
        self.seed = seed
        self.anneal_epochs = anneal_epochs
        self.min_probability = min_probability

    def check_tasks(self, tasks: Iterable[str], known_tasks: Iterable[str]) -> None:
        """
        Raises a `ConfigurationError` when `batch_size` names a task outside `known_tasks` (the
        tasks of the dataset reader) or lacks one of `tasks` (the tasks to batch).
        """
        if not isinstance(self.batch_size, dict):
            return
        unknown = sorted(set(self.batch_size) - set(known_tasks))
        if unknown:
            raise ConfigurationError(
                f"batch_size names tasks that have no dataset reader: {', '.join(unknown)} "
                f"(tasks: {', '.join(sorted(known_tasks))})."
            )
        missing = sorted(set(tasks) - set(self.batch_size))
        if missing:
            raise ConfigurationError(f"batch_size gives no batch size for {', '.join(missing)}.")

    def batch_size_of(self, task: str) -> int:
        return self.batch_size[task] if isinstance(self.batch_size, dict) else self.batch_size

    def batches_per_task(self, dataset_counts: Mapping[str, int]) -> Dict[str, int]:
        """`N_t` of each task, from its number of instances."""
        return {
            task: math.ceil(count / self.batch_size_of(task))
            for task, count in dataset_counts.items()
        }

    def annealing_exponent(self, epoch: int) -> float:
        """
        `alpha` of "annealed" sampling in epoch `epoch` (counted from 0, as the data loader
        counts them): 1 in the first epoch, 0.2 from epoch `anneal_epochs` on.
        """
        assert self.anneal_epochs is not None  # __init__ requires it for this sampling
        progress = min(epoch, self.anneal_epochs - 1) / (self.anneal_epochs - 1)
        return 1 - ANNEALED_DROP * progress

    def task_probabilities(
        self, dataset_counts: Mapping[str, int], epoch: int = 0
    ) -> Dict[str, float]:
        """
        The probability of drawing each task at a step of epoch `epoch` (counted from 0; only
        "annealed" sampling changes with it), from the tasks' numbers of instances.
        """
        batches = self.batches_per_task(dataset_counts)
        if self.sampling == "uniform":
            weights = {task: 1.0 for task in batches}
        elif self.sampling in ("temperature", "annealed"):
            if self.sampling == "temperature":
                assert self.temperature is not None  # __init__ requires it for this sampling
                exponent = 1 / self.temperature
            else:
                exponent = self.annealing_exponent(epoch)
            weights = {task: count**exponent for task, count in batches.items()}
        else:
            weights = {task: float(count) for task, count in batches.items()}
        total = sum(weights.values())
        probabilities = {task: weight / total for task, weight in weights.items()}
        if self.min_probability is not None:
            probabilities = with_floor(probabilities, self.min_probability)
        return probabilities

    def count_batches(self, dataset_counts: Dict[str, int]) -> int:
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        return sum(self.batches_per_task(dataset_counts).values())

    def task_sequence(self, dataset_counts: Mapping[str, int], epoch: int) -> List[str]:
        """
        The task of each step of epoch `epoch`: a function of `seed`, `epoch` and
        `dataset_counts` (the number of instances of each task that can be drawn) only.
        """
        tasks = sorted(dataset_counts)
        if not tasks:
            return []
        probabilities = self.task_probabilities(dataset_counts, epoch)
        random = numpy.random.default_rng([self.seed, epoch])
        draws = random.choice(
            len(tasks),
            size=self.count_batches(dict(dataset_counts)),
            p=[probabilities[task] for task in tasks],
        )
        return [tasks[draw] for draw in draws]

    def batch_instances(
        self,
        epoch_instances: Mapping[str, Iterable[Instance]],
        *,
        dataset_counts: Optional[Mapping[str, int]] = None,
        epoch: int = 0,
    ) -> Iterator[List[Instance]]:
        """
        The batches of epoch `epoch`. `epoch_instances` holds, for each task, an endless stream
        of its instances when sampling (each batch takes the next `batch_size` of them), or one
        pass over them for "sequential". `dataset_counts` is the number of instances of each
        task, the same on every distributed worker (the "hmtl_multitask" loader agrees on it);
        the base API has no way to pass it, hence the extra keyword arguments.
        """
        if dataset_counts is None:
            raise ConfigurationError(
                'The "hmtl_sampling" scheduler needs the "hmtl_multitask" data loader, which '
                "tells it the size of each dataset."
            )
        if self.sampling == "sequential":
            batches = self.batches_per_task(dataset_counts)
            for task in sorted(epoch_instances):
                yield from _split_evenly(list(epoch_instances[task]), batches[task])
            return
        streams = {task: iter(instances) for task, instances in epoch_instances.items()}
        for task in self.task_sequence(dataset_counts, epoch):
            yield list(itertools.islice(streams[task], self.batch_size_of(task)))


def _split_evenly(instances: List[Instance], num_batches: int) -> Iterator[List[Instance]]:
    """`num_batches` consecutive batches of `instances`, their sizes differing by at most one."""
    smaller_size, num_larger = divmod(len(instances), num_batches)
    start = 0
    for index in range(num_batches):
        end = start + smaller_size + (1 if index < num_larger else 0)
        yield instances[start:end]
        start = end


def with_floor(probabilities: Mapping[str, float], floor: float) -> Dict[str, float]:
    """
    `probabilities` with every one at least `floor`: the tasks below it get exactly `floor`, and
    the others share the rest in their original proportions. Raising a task lowers the others,
    which may bring another one under the floor, so this repeats until none is (at most once per
    task). Raises `ConfigurationError` when the floor cannot hold for every task (`floor` times
    the number of tasks above 1).
    """
    if floor * len(probabilities) > 1 + 1e-12:
        raise ConfigurationError(
            f"min_probability {floor} cannot hold for {len(probabilities)} tasks (at most "
            f"{1 / len(probabilities):.4f})."
        )
    floored: Set[str] = set()
    while True:
        free = {task: p for task, p in probabilities.items() if task not in floored}
        free_total = sum(free.values())
        left = 1 - floor * len(floored)
        scaled = {
            task: (left * p / free_total if free_total else left / len(free))
            for task, p in free.items()
        }
        below = {task for task, p in scaled.items() if p < floor}
        if not below:
            break
        floored |= below
    return {task: floor if task in floored else scaled[task] for task in probabilities}
