#!/usr/bin/env python3
"""A forward reference from PyTorch for `netrun predict`, on one network of models.py.

    python3 Tests/Peers/reference.py --model googlenet --batch 2 --out REF [--seed 1]
    netrun predict Configs/googlenet.yaml --weights REF/weights.safetensors \\
        --input REF/input.npy --output OUT.npy
    python3 Tests/Peers/reference.py --compare REF/output.npy OUT.npy

writes REF/weights.safetensors (random float32 weights under netrun's parameter names, the
training-only heads included), REF/input.npy (float32, N x C x H x W) and REF/output.npy (the
logits in eval mode). --compare prints ||actual - expected|| / ||expected|| and the share of
rows with the same top-1, and exits 1 unless the error is below 1e-4 and all is finite.

The weights are not the config's fillers but chosen so every op matters: He-normal weights
(variance 2/fan_in) keep activations at the input's scale, INPUT_STD puts them where LRN's
denominator is well above k (its nonlinear part), and biases are a tenth of that scale.
"""
import argparse, json, os, sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

INPUT_STD = 50.0
TOLERANCE = 1e-4


def randomize(model, generator):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".weight"):
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=generator) * (2 / fan_in) ** 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=generator) * 0.1 * INPUT_STD)


def write(name, batch, seed, out):
    make, shape, _ = models.MODELS[name]
    generator = torch.Generator().manual_seed(seed)
    model = make().eval()
    randomize(model, generator)
    x = torch.randn((batch, *shape), generator=generator) * INPUT_STD
    with torch.no_grad():
        y = model(x)
    os.makedirs(out, exist_ok=True)
    models.save_weights(os.path.join(out, "weights.safetensors"), model.state_dict())
    np.save(os.path.join(out, "input.npy"), x.numpy())
    np.save(os.path.join(out, "output.npy"), y.numpy())
    print(json.dumps({"model": name, "batch": batch, "seed": seed, "tensors": len(model.state_dict()),
                      "output": list(y.shape), "output_std": round(y.std().item(), 4)}))


def compare(expected_path, actual_path):
    expected = np.load(expected_path).astype(np.float64)
    actual = np.load(actual_path).astype(np.float64)
    if expected.shape != actual.shape:
        print(f"shapes differ: expected {list(expected.shape)}, got {list(actual.shape)}")
        return 1
    error = np.linalg.norm(actual - expected) / max(np.linalg.norm(expected), 1e-30)
    top1 = np.mean(actual.argmax(-1) == expected.argmax(-1))
    worst = np.abs(actual - expected).max()
    print(f"relative error {error:.3e} (largest difference {worst:.3e}), same top-1 {top1:.3f}")
    return 0 if error < TOLERANCE and np.isfinite(actual).all() else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=list(models.MODELS))
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="directory for weights.safetensors, input.npy, output.npy")
    ap.add_argument("--compare", nargs=2, metavar=("EXPECTED", "ACTUAL"))
    a = ap.parse_args()
    if a.compare:
        return compare(*a.compare)
    if not a.model or not a.out:
        ap.error("--model and --out are required (or --compare EXPECTED ACTUAL)")
    write(a.model, a.batch, a.seed, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
