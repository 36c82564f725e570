// NetrunRunner: optimizers, learning-rate schedules, weight averaging, the training and
// evaluation loops, checkpoints and metrics sinks.
import NetrunBackend
import NetrunData
