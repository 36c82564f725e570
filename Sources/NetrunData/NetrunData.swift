// NetrunData: where training and evaluation examples come from (IDX, NumPy, CIFAR,
// folders of images, synthetic), their augmentation, and the loader that prepares
// batches ahead of compute on its own thread.
import NetrunConfig
