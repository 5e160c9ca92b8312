"""Settings for the whole suite."""
import torch

# The suite runs on small CPU machines: one torch thread per test process avoids
# oversubscribing the cores (tiny models gain nothing from intra-op parallelism).
torch.set_num_threads(1)
