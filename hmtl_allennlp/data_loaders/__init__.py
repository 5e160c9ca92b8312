"""
Multi-task data loading: one dataset per task, homogeneous batches, and HMTL's schedule, which
draws the task of every training batch at random (proportionally to the size of its data, by
default).
"""

from hmtl_allennlp.data_loaders.hmtl_multitask_data_loader import HmtlMultiTaskDataLoader
from hmtl_allennlp.data_loaders.hmtl_sampling_scheduler import HmtlSamplingScheduler

__all__ = ["HmtlMultiTaskDataLoader", "HmtlSamplingScheduler"]
