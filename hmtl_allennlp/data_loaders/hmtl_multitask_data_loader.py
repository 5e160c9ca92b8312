import copy
import json
import logging
import os
import zlib
from os import PathLike
from typing import Dict, Iterator, List, Mapping, Optional, Tuple, Union

import numpy
import torch
import torch.distributed as dist
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import is_distributed
from allennlp.data.batch import Batch
from allennlp.data.data_loaders.data_loader import DataLoader, TensorDict
from allennlp.data.data_loaders.multitask_data_loader import MultiTaskDataLoader
from allennlp.data.data_loaders.multitask_scheduler import MultiTaskScheduler
from allennlp.data.dataset_readers.dataset_reader import DatasetReader
from allennlp.data.dataset_readers.multitask import MultiTaskDatasetReader
from allennlp.data.instance import Instance
from allennlp.nn.util import dist_reduce, move_to_device

from hmtl_allennlp.data_loaders.hmtl_sampling_scheduler import HmtlSamplingScheduler

logger = logging.getLogger(__name__)


@DataLoader.register("hmtl_multitask")
class HmtlMultiTaskDataLoader(MultiTaskDataLoader):
    """
    AllenNLP's `MultiTaskDataLoader` with HMTL's training schedule: one dataset per task, read by
    the task's reader of a "multitask" `DatasetReader` (which adds a `task` field to every
    instance), and, with the "hmtl_sampling" scheduler, a task drawn at random for every batch
    (see `HmtlSamplingScheduler`). With any other `MultiTaskScheduler` (e.g.
    "homogeneous_roundrobin") it behaves as `MultiTaskDataLoader`.

    When sampling, each task's data is an endless stream: a fresh permutation of the task's
    instances (from a random generator seeded by the scheduler's seed and the task) every time
    the task's data is exhausted, so batches of a task go on across epochs where the last one
    stopped. With "sequential" the scheduler gives one pass over every task's data, in file
    order: use it for the `validation_data_loader`, which `allennlp evaluate` uses too (without
    a `validation_data_loader`, AllenNLP would validate with the `data_loader`'s sampling; the
    "hmtl_task_counts" and "hmtl_task_patience" callbacks refuse that).

    The epoch whose task sequence an iteration draws is the number of iterations before it.
    `GradientDescentTrainer` iterates its data loader once per epoch, including, when it resumes
    with `--recover`, the epochs it skips (it replays them without training, so that every
    random stream is where it was), so a resumed run draws the tasks and batches of the
    uninterrupted one. `len()` draws nothing.

    In distributed training every worker reads its own shard of each dataset (the readers shard
    their input), and the workers agree on the smallest shard size of each task, so that they
    draw the same task at each step and take the same number of steps. The agreement is an
    `all_reduce` when the loader is built, which every worker does.

    # Parameters

    reader : `MultiTaskDatasetReader`
        The "multitask" dataset reader; its keys are the task names.
    data_path : `Union[str, Dict[str, str]]`
        The data of each task: `{"ner": path, "coref": path, ...}`, or that object as a JSON
        string, or one path for every task whose reader reads it (readers that have a
        `reads(path)` method are asked; one without it is taken to read any path). A plain path
        is what `allennlp evaluate ARCHIVE PATH` passes; a JSON object given there evaluates the
        tasks of a multi-task archive in one go.
    scheduler : `MultiTaskScheduler`
        Usually "hmtl_sampling": the training schedule for training, "sequential" for validation.
    tasks : `List[str]`, optional (default = `None`)
        Only these tasks (e.g. `allennlp evaluate ... -o '{"validation_data_loader.tasks":
        ["coref"]}'`). By default every task of `data_path`, or with a plain path every task
        whose reader reads it.
    batch_size : `int`, optional (default = `None`)
        Replaces the "hmtl_sampling" scheduler's batch sizes with this one for every task: what
        `allennlp evaluate --batch-size` sets.
    shuffle : `bool`, optional (default = `True`)
        Whether each pass over a task's training data is a new permutation. Set `False` only to
        debug.
    bucket_by_length : `bool`, optional (default = `False`)
        Whether the training batches of a task hold instances of similar lengths (number of
        tokens), which saves the time spent on padding. Each pass over a task's data is
        then cut into batches of sentences of about the same length (sorted with
        `padding_noise`, so that batches differ from pass to pass) and the batches are taken in
        a random order. A pass whose size is not a multiple of the batch size leaves a few
        random instances over, which open the next pass, so that every batch is full and no
        instance is drawn more often than the others. Tasks with batches of one instance are
        not affected.
    padding_noise : `float`, optional (default = `0.1`)
        With `bucket_by_length`, each length is multiplied by a random factor in
        `[1 - padding_noise, 1 + padding_noise]` before sorting.
    bucket_pool_batches : `int`, optional (default = `None`)
        With `bucket_by_length`, the shuffled pass is sorted by length in pools of this many
        batches rather than as a whole, so that the instances of a batch differ from one pass
        to the next (a whole sorted pass cuts nearly the same batches every time) at the cost
        of more padding. `None` sorts the whole pass.
    cuda_device : `Optional[Union[int, str, torch.device]]`, optional (default = `None`)
        The device of the batches; the trainer sets it.

    Registered as a `DataLoader` with name "hmtl_multitask".
    """

    def __init__(
        self,
        reader: MultiTaskDatasetReader,
        data_path: Union[str, PathLike, Dict[str, str]],
        scheduler: MultiTaskScheduler,
        *,
        tasks: Optional[List[str]] = None,
        batch_size: Optional[int] = None,
        shuffle: bool = True,
        bucket_by_length: bool = False,
        padding_noise: float = 0.1,
        bucket_pool_batches: Optional[int] = None,
        cuda_device: Optional[Union[int, str, torch.device]] = None,
    ) -> None:
        if not 0.0 <= padding_noise < 1.0:
            raise ConfigurationError(f"padding_noise must be in [0, 1), got {padding_noise}.")
        if bucket_pool_batches is not None and bucket_pool_batches < 1:
            raise ConfigurationError(
                f"bucket_pool_batches must be at least 1, got {bucket_pool_batches}."
            )
        if not isinstance(reader, MultiTaskDatasetReader):
            raise ConfigurationError(
                'The "hmtl_multitask" data loader needs the "multitask" dataset reader, got '
                f"{type(reader).__name__}."
            )
        data_paths = _task_data_paths(reader.readers, data_path, tasks)
        if batch_size is not None:
            if not isinstance(scheduler, HmtlSamplingScheduler):
                raise ConfigurationError(
                    'batch_size is for the "hmtl_sampling" scheduler; give other schedulers their '
                    "own batch sizes."
                )
            scheduler = HmtlSamplingScheduler(
                batch_size=batch_size,
                sampling=scheduler.sampling,
                temperature=scheduler.temperature,
                steps_per_epoch=scheduler.steps_per_epoch,
                seed=scheduler.seed,
                anneal_epochs=scheduler.anneal_epochs,
                min_probability=scheduler.min_probability,
            )
        if isinstance(scheduler, HmtlSamplingScheduler):
            scheduler.check_tasks(data_paths, reader.readers)
        # The base class reads one dataset per reader, so it gets the readers of these tasks.
        selected_reader = copy.copy(reader)
        selected_reader.readers = {task: reader.readers[task] for task in data_paths}
        super().__init__(
            selected_reader, data_paths, scheduler, shuffle=shuffle, cuda_device=cuda_device
        )
        self._bucket_by_length = bucket_by_length
        self._padding_noise = padding_noise
        self._bucket_pool_batches = bucket_pool_batches
        self._instance_counts = self._agreed_instance_counts()
        self._epoch = 0
        self._first_epoch_without: Dict[str, int] = {}
        self._streams = (
            {task: self._endless_stream(task, scheduler) for task in self._loaders}
            if isinstance(scheduler, HmtlSamplingScheduler)
            else {}
        )

    @property
    def tasks(self) -> List[str]:
        """The tasks this loader gives data of."""
        return list(self._loaders)

    def stop_task(self, task: str, from_epoch: int) -> None:
        """No batch of `task` is drawn in epoch `from_epoch` and after."""
        if task not in self._loaders:
            raise ConfigurationError(f"Cannot stop task {task!r}: the loader has no data for it.")
        self._first_epoch_without[task] = from_epoch

    def __len__(self) -> int:
        if not isinstance(self.scheduler, HmtlSamplingScheduler):
            return super().__len__()
        return self.scheduler.count_batches(self._sampled_counts(self._epoch))

    def __iter__(self) -> Iterator[TensorDict]:
        if not isinstance(self.scheduler, HmtlSamplingScheduler):
            yield from super().__iter__()
            return
        # Counted when the iteration starts, so that the trainer's `len()` between `iter()` and
        # the first batch still gives the length of the epoch it is about to run.
        epoch = self._epoch
        self._epoch += 1
        counts = self._sampled_counts(epoch)
        epoch_instances: Mapping[str, Iterator[Instance]]
        if self.scheduler.sampling == "sequential":
            epoch_instances = {task: self._loaders[task].iter_instances() for task in counts}
        else:
            epoch_instances = {task: self._streams[task] for task in counts}
        device = -1 if self.cuda_device is None else self.cuda_device
        for instances in self.scheduler.batch_instances(
            epoch_instances, dataset_counts=counts, epoch=epoch
        ):
            yield move_to_device(Batch(instances).as_tensor_dict(), device)

    def _sampled_counts(self, epoch: int) -> Dict[str, int]:
        """The agreed number of instances of each task that is drawn in `epoch`."""
        return {
            task: count
            for task, count in self._instance_counts.items()
            if self._first_epoch_without.get(task, epoch + 1) > epoch
        }

    def _agreed_instance_counts(self) -> Dict[str, int]:
        # The base class's per-task loaders batch one instance at a time: their length is the
        # number of instances (of this worker's shard).
        counts = {task: len(loader) for task, loader in self._loaders.items()}
        if is_distributed():
            smallest = dist_reduce(torch.tensor(list(counts.values())), dist.ReduceOp.MIN)
            counts = dict(zip(counts, smallest.tolist()))
        empty = [
            f"{task} ({self.data_paths[task]})" for task, count in counts.items() if count == 0
        ]
        if empty:
            workers = " on some distributed worker" if is_distributed() else ""
            raise ConfigurationError(f"No instances{workers} for: {', '.join(empty)}.")
        return counts

    def _endless_stream(self, task: str, scheduler: HmtlSamplingScheduler) -> Iterator[Instance]:
        loader = self._loaders[task]
        # crc32, unlike hash(), is the same in every process.
        random = numpy.random.default_rng([scheduler.seed, zlib.crc32(task.encode("utf-8"))])
        batch_size = scheduler.batch_size_of(task)
        left_over: List[Instance] = []
        while True:
            instances = list(loader.iter_instances())
            order = random.permutation(len(instances)) if self._shuffle else range(len(instances))
            one_pass = [instances[index] for index in order]
            if self._bucket_by_length and batch_size > 1:
                one_pass, left_over = self._length_buckets(left_over + one_pass, batch_size, random)
            yield from one_pass

    def _length_buckets(
        self, instances: List[Instance], batch_size: int, random: numpy.random.Generator
    ) -> Tuple[List[Instance], List[Instance]]:
        """
        `instances` as consecutive batches of `batch_size` instances of similar lengths, in a
        random batch order, and the instances left over (the last ones of `instances`, which
        arrive shuffled). AllenNLP's `BucketBatchSampler` does the same for one dataset, but
        draws from Python's global random state, which the trainer's other consumers share:
        here every task's stream has its own generator, so that a run resumed with `--recover`
        draws the batches of the uninterrupted run.
        """
        num_batches = len(instances) // batch_size
        bucketed = instances[: num_batches * batch_size]
        lengths = numpy.array([_num_tokens(instance) for instance in bucketed], dtype=float)
        noise = random.uniform(1 - self._padding_noise, 1 + self._padding_noise, len(bucketed))
        noisy_lengths = lengths * noise
        # Sorted within pools of `bucket_pool_batches` batches of the shuffled instances, so that
        # a batch's company changes from pass to pass.
        pool_size = (self._bucket_pool_batches or num_batches) * batch_size
        order = numpy.zeros(0, dtype=int)
        for start in range(0, len(bucketed), pool_size):
            pool = noisy_lengths[start : start + pool_size]
            order = numpy.concatenate([order, start + numpy.argsort(pool, kind="stable")])
        # Shape: (num_batches, batch_size)
        batches = order.reshape(num_batches, batch_size)
        batch_order = random.permutation(num_batches)
        return (
            [bucketed[index] for index in batches[batch_order].flatten()],
            instances[num_batches * batch_size :],
        )


def _task_data_paths(
    readers: Mapping[str, DatasetReader],
    data_path: Union[str, PathLike, Mapping[str, str]],
    tasks: Optional[List[str]],
) -> Dict[str, str]:
    """
    The data path of each selected task, checked before anything is read: every task named has
    a reader and every path exists.
    """
    known = ", ".join(readers)
    if tasks is not None:
        unknown = [task for task in tasks if task not in readers]
        if unknown:
            raise ConfigurationError(
                f"tasks names tasks without a dataset reader: {', '.join(unknown)} "
                f"(tasks: {known})."
            )
    if isinstance(data_path, PathLike):
        data_path = os.fspath(data_path)
    if isinstance(data_path, str) and data_path.lstrip().startswith("{"):
        try:
            data_path = json.loads(data_path)
        except json.JSONDecodeError as error:
            raise ConfigurationError(f"Data path {data_path!r} is not a valid JSON object: {error}")
    if isinstance(data_path, str):
        paths = _tasks_reading(readers, data_path, tasks)
    elif isinstance(data_path, Mapping):
        unknown = [task for task in data_path if task not in readers]
        if unknown:
            raise ConfigurationError(
                f"The data paths name tasks without a dataset reader: {', '.join(unknown)} "
                f"(tasks: {known})."
            )
        if tasks is not None:
            missing = [task for task in tasks if task not in data_path]
            if missing:
                raise ConfigurationError(
                    f"tasks names tasks without a data path: {', '.join(missing)}."
                )
        paths = {
            task: str(path) for task, path in data_path.items() if tasks is None or task in tasks
        }
    else:
        raise ConfigurationError(
            f"A data path must be a path or an object {{task: path}}, got {data_path!r}."
        )
    if not paths:
        raise ConfigurationError("No task selected: the data path is empty.")
    missing_files = [
        f"{task}: {path}"
        for task, path in paths.items()
        if "://" not in path and not os.path.exists(path)
    ]
    if missing_files:
        raise ConfigurationError(f"Data paths that do not exist: {'; '.join(missing_files)}.")
    return paths


def _tasks_reading(
    readers: Mapping[str, DatasetReader], path: str, tasks: Optional[List[str]]
) -> Dict[str, str]:
    """`path` for every task (of `tasks`, if given) whose reader reads it."""
    if "://" not in path and not os.path.exists(path):
        raise ConfigurationError(f"Data path that does not exist: {path}.")
    candidates = list(readers) if tasks is None else tasks
    # The "multitask" reader wraps each reader in a shim that adds the `task` field.
    inner_readers = {task: getattr(readers[task], "inner", readers[task]) for task in candidates}
    reads = {
        task: not hasattr(reader, "reads") or reader.reads(path)
        for task, reader in inner_readers.items()
    }
    refusing = [
        f"{task} ({type(inner_readers[task]).__name__})"
        for task, reads_path in reads.items()
        if not reads_path
    ]
    if tasks is not None and refusing:
        raise ConfigurationError(f"{path} is not data of: {', '.join(refusing)}.")
    if len(refusing) == len(reads):
        raise ConfigurationError(
            f"No task reads {path} (tasks: {', '.join(refusing)}). Pass a JSON object "
            '{"task": "path", ...} instead.'
        )
    return {task: path for task, reads_path in reads.items() if reads_path}


def _num_tokens(instance: Instance) -> int:
    """The length an instance is bucketed by: its number of tokens (0 without a text field)."""
    tokens = instance.fields.get("tokens")
    return len(tokens) if tokens is not None else 0
