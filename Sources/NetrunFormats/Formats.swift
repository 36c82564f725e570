// File formats (safetensors, .npy); see the backend issue.
