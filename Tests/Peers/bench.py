#!/usr/bin/env python3
"""Timing peer of `netrun bench`: the networks of models.py in PyTorch, or netrun's ONNX export
in ONNX Runtime, on this machine's CPU. Used by .ci/bench-peers.

    python3 Tests/Peers/bench.py --model alexnet [--batch 64] [--steps 5]
    python3 Tests/Peers/bench.py --model alexnet --save-weights W.safetensors
    netrun export Configs/alexnet.yaml --weights W.safetensors --output alexnet.onnx
    python3 Tests/Peers/bench.py --model alexnet --onnx alexnet.onnx --check
    python3 Tests/Peers/bench.py --model alexnet --onnx alexnet.onnx [--batch 64] [--steps 5]

The protocol is netrun bench's: random inputs in [-1, 1) and random labels; two untimed
steps, then --steps timed ones, each figure the median over the timed steps. A training
step is forward (the auxiliary heads included, their losses weighted 0.3), backward and
SGD (lr 0.01, momentum 0.9, weight decay 5e-4); inference is a forward pass in eval mode
without autograd. PyTorch runs on THREADS intra-op threads, ONNX Runtime on the CPU
provider with THREADS intra-op threads and all graph optimizations. The weights are the
config's fillers drawn with seed 0; --save-weights writes them under netrun's names, so
an export of them is the same network, and --check compares ONNX Runtime's logits with
PyTorch's on 2 images. Each run prints one JSON line.
"""
import argparse, json, os, statistics, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

THREADS = 2
WARMUP = 2
DEFAULT_BATCH = {"alexnet": 64, "googlenet": 16, "fashion-alexnet": 128, "fashion-googlenet": 128}


def seeded_model(name):
    torch.manual_seed(0)
    return models.build(name)


def inputs(name, batch, seed=1):
    _, shape, classes = models.MODELS[name]
    g = torch.Generator().manual_seed(seed)
    x = torch.rand((batch, *shape), generator=g) * 2 - 1
    y = torch.randint(0, classes, (batch,), generator=g)
    return x, y


def median_seconds(step, steps):
    """Runs `step` WARMUP times untimed, then `steps` times; the median duration."""
    for _ in range(WARMUP):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_torch(name, batch, steps):
    model = seeded_model(name)
    x, y = inputs(name, batch)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def train_step():
        opt.zero_grad(set_to_none=True)
        models.loss(model(x), y).backward()
        opt.step()

    def infer_step():
        with torch.no_grad():
            model(x)

    model.train()
    train = median_seconds(train_step, steps)
    model.eval()
    infer = median_seconds(infer_step, steps)
    return {"side": "torch", "model": name, "batch": batch, "steps": steps,
            "train_img_s": round(batch / train, 2), "infer_img_s": round(batch / infer, 2),
            "train_step_ms": round(train * 1e3, 2), "infer_step_ms": round(infer * 1e3, 2),
            "threads": torch.get_num_threads(), "torch": torch.__version__}


def onnx_session(path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def bench_onnx(name, path, batch, steps):
    import onnxruntime as ort
    session = onnx_session(path)
    feed = {session.get_inputs()[0].name: inputs(name, batch)[0].numpy()}
    infer = median_seconds(lambda: session.run(None, feed), steps)
    return {"side": "onnxruntime", "model": name, "batch": batch, "steps": steps,
            "infer_img_s": round(batch / infer, 2), "infer_step_ms": round(infer * 1e3, 2),
            "threads": THREADS, "onnxruntime": ort.__version__, "providers": session.get_providers()}


def check_onnx(name, path):
    """ONNX Runtime's logits against PyTorch's, same weights, 2 images; exit 1 above 1e-4."""
    session = onnx_session(path)
    x = inputs(name, 2)[0]
    got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0].astype(np.float64)
    with torch.no_grad():
        expected = seeded_model(name).eval()(x).numpy().astype(np.float64)
    error = np.linalg.norm(got - expected) / max(np.linalg.norm(expected), 1e-30) if got.shape == expected.shape else float("inf")
    print(json.dumps({"model": name, "onnx": path, "relative_error": float(f"{error:.3e}")}))
    return 0 if error < 1e-4 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=list(models.MODELS))
    ap.add_argument("--batch", type=int, default=0, help="default: 64 for alexnet, 16 for googlenet, 128 for the fashion networks")
    ap.add_argument("--steps", type=int, default=5, help="timed steps, after two untimed ones")
    ap.add_argument("--onnx", metavar="FILE", help="time this ONNX model (netrun export) in ONNX Runtime instead")
    ap.add_argument("--check", action="store_true", help="with --onnx: compare its logits with PyTorch's, no timing")
    ap.add_argument("--save-weights", metavar="PATH", help="write the timed weights as safetensors and exit")
    a = ap.parse_args()
    torch.set_num_threads(THREADS)
    batch = a.batch or DEFAULT_BATCH[a.model]
    if a.save_weights:
        models.save_weights(a.save_weights, seeded_model(a.model).state_dict())
        return 0
    if a.onnx and a.check:
        return check_onnx(a.model, a.onnx)
    row = bench_onnx(a.model, a.onnx, batch, a.steps) if a.onnx else bench_torch(a.model, batch, a.steps)
    print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
