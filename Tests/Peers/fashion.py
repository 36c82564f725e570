#!/usr/bin/env python3
"""Training peer on Fashion-MNIST: Configs/fashion-alexnet.yaml and fashion-googlenet.yaml's
recipe in PyTorch, for time-to-accuracy beside `netrun train` on the same machine.

    python3 Tests/Peers/fashion.py --model alexnet [--seed 0] [--epochs 15] [--json run.json]
    python3 Tests/Peers/fashion.py --model googlenet --steps 20     # a short check

The recipe, as the configs write it:
- data: the IDX files of Debian's dataset-fashion-mnist (DATA, or $FASHION_MNIST); pixels
  divided by 255, then (x - 0.2860) / 0.3530; 60,000 training images in a new random order
  each epoch, batches of 128 with the last 96 kept; the 10,000 test images, center view,
  batches of 500;
- augmentation: a random 28x28 window of the image padded by 2 black pixels (0 before
  normalization), mirrored with probability 0.5;
- network: models.py's fashion-alexnet or fashion-googlenet, He-normal weights (fan in) and
  zero biases; GoogLeNet's auxiliary loss counts 0.3;
- SGD with momentum 0.9 and weight decay 5e-4 on every parameter, base rate 0.02 (alexnet) or
  0.05 (googlenet), cosine decay to 0 over the run's steps, one scheduler step per batch.

Prints one JSON line per epoch (test top-1, the epoch's training seconds, elapsed seconds),
then a summary. --epochs sets the run's length (and so the schedule's); --steps N stops after
step N with the schedule unchanged, as `netrun train --steps` does, and evaluates there.
"""
import argparse, gzip, json, math, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

DATA = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
MEAN, STD = 0.2860, 0.3530
RECIPES = {"alexnet": ("fashion-alexnet", 0.02), "googlenet": ("fashion-googlenet", 0.05)}
BATCH, EVAL_BATCH, PAD = 128, 500, 2


def read_idx(path):
    """An IDX file (gzip): magic 0 0 type dims, then `dims` big-endian sizes, then uint8 data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes")
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    """Images as float32 N x 1 x 28 x 28 in [0, 1] (not yet normalized), labels as int64."""
    prefix = {"train": "train", "test": "t10k"}[split]
    images = read_idx(f"{DATA}/{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(f"{DATA}/{prefix}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def normalize(x):
    return (x - MEAN) / STD


def augment(x, generator):
    """A random 28x28 window of each image padded by PAD zeros, then mirrored half the time."""
    n, _, h, w = x.shape
    padded = F.pad(x, (PAD, PAD, PAD, PAD))
    dy = torch.randint(0, 2 * PAD + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * PAD + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, :, None]          # n x h x 1
    cols = (dx[:, None] + torch.arange(w))[:, None, :]          # n x 1 x w
    out = padded[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), EVAL_BATCH):
            correct += (model(normalize(x[i:i + EVAL_BATCH])).argmax(1) == y[i:i + EVAL_BATCH]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="alexnet", choices=list(RECIPES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=15, help="the run's length (the configs' train.epochs)")
    ap.add_argument("--steps", type=int, default=0, help="stop after this step; the schedule keeps --epochs' length")
    ap.add_argument("--lr", type=float, default=0.0, help="another base learning rate")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write the summary and per-epoch log here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    generator = torch.Generator().manual_seed(a.seed)
    name, lr = RECIPES[a.model]
    lr = a.lr or lr
    model = models.build(name)
    x_train, y_train = load("train")
    x_test, y_test = load("test")

    per_epoch = math.ceil(len(x_train) / BATCH)
    total = a.epochs * per_epoch
    last = min(a.steps, total) if a.steps else total
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, total)
    log, step, images, training_s, start = [], 0, 0, 0.0, time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        epoch_start = time.perf_counter()
        for i in range(0, len(x_train), BATCH):
            if step == last:
                break
            batch = order[i:i + BATCH]
            xb, yb = normalize(augment(x_train[batch], generator)), y_train[batch]
            loss = models.loss(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
            step += 1
            images += len(batch)
        seconds = time.perf_counter() - epoch_start
        training_s += seconds
        row = {"epoch": epoch, "step": step, "loss": round(loss.item(), 4), "test_top1": evaluate(model, x_test, y_test),
               "train_s": round(seconds, 1), "elapsed_s": round(time.perf_counter() - start, 1)}
        log.append(row)
        print(json.dumps(row), flush=True)
        if step == last:
            break
    summary = {"model": name, "seed": a.seed, "epochs": a.epochs, "steps": step, "lr": lr,
               "params": sum(p.numel() for p in model.parameters()), "final_top1": log[-1]["test_top1"],
               "train_s": round(training_s, 1), "img_s": round(images / training_s, 1),
               "threads": torch.get_num_threads(), "torch": torch.__version__}
    print(json.dumps(summary))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({**summary, "log": log}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
