import torch

# The test models are tiny: intra-op threads cost more than they bring (an LSTM step over a few
# dozen numbers), and many times more on a machine whose cores are busy.
torch.set_num_threads(1)
