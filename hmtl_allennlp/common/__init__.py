"""Constants and small helpers shared by the readers, the model and the predictor."""
