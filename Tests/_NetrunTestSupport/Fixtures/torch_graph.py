"""PyTorch reference for any netrun graph, built from `netrun summary --format json`.

    python3 torch_graph.py GRAPH.json --out DIR [--batch N] [--seed S]

GRAPH.json lists every node with its op, inputs, resolved settings and parameter shapes.
The network is rebuilt op by op with torch.nn.functional (so no netrun code is trusted),
weights, input and labels are drawn from the seed, and DIR receives:

  weights.safetensors   every parameter under netrun's name (batch norm's running statistics too)
  input.npy, labels.npy the batch (float32 N x C x H x W; labels as float32 N)
  output.npy            the output node in inference mode (running statistics, no dropout)
  loss.npy              the training objective: every loss (training-only heads too) times its weight, summed
  grads.safetensors     its gradient for every learnable parameter, and "input" for the input
  running.safetensors   batch norm's running statistics after the training forward

Training mode uses batch statistics; dropout must have rate 0 there (masks cannot match).

    python3 torch_graph.py GRAPH.json --out DIR --train STEPS --optimizer sgd|adamw [--batch N] [--examples E] [--seed S]

trains instead: writes weights.safetensors (the start), data.npy and labels.npy (E examples,
default STEPS batches), and trained.safetensors: the weights and batch-norm statistics after
STEPS steps of torch.optim.SGD(lr 0.1, momentum 0.9, weight_decay 5e-4) or AdamW(lr 0.01,
weight_decay 0.01) on the summed weighted losses, one batch after another in order, epoch
after epoch, each epoch's last batch the remainder when N does not divide E. With --float64,
the same run in float64 arithmetic too (trained-float64.safetensors, rounded to float32 at the
end): the answer float32 kernels approximate, whatever their order of summation.
"""
import argparse, json, struct
import numpy as np
import torch
import torch.nn.functional as F


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().to(torch.float32).numpy()
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def draw_parameters(graph, gen):
    params = {}
    for node in graph["nodes"]:
        for p in node["parameters"]:
            shape = p["shape"]
            if node["op"] in ("batchnorm", "scale") and p["name"].endswith(".weight"):
                t = 1 + 0.2 * torch.randn(shape, generator=gen)
            elif len(shape) == 1:
                t = 0.2 * torch.randn(shape, generator=gen)
            else:
                fan_in = int(np.prod(shape[1:]))
                t = torch.randn(shape, generator=gen) / fan_in ** 0.5
            params[p["name"]] = t.requires_grad_()
        if node["op"] == "batchnorm":
            c = node["output_shape"][0]
            params[node["name"] + ".running_mean"] = 0.1 * torch.randn(c, generator=gen)
            params[node["name"] + ".running_var"] = 0.5 + torch.rand(c, generator=gen)
    return params


def activation(x, name):
    return {None: x, "relu": F.relu(x), "sigmoid": torch.sigmoid(x), "tanh": torch.tanh(x)}[name]


def shortcut(main, added):
    """Darknet's shortcut_cpu (blas.c): main plus added brought to main's size. A larger added
    input gives every s-th row and column, a smaller one lands on every s-th position (zeros
    between), over the channels both have; main's other channels pass unchanged."""
    (c2, h2, w2), (c1, h1, w1) = main.shape[1:], added.shape[1:]
    c = min(c1, c2)
    sh, sw = max(h1 // h2, 1), max(w1 // w2, 1)
    ph, pw = max(h2 // h1, 1), max(w2 // w1, 1)
    read = added[:, :c, ::sh, ::sw]
    placed = torch.zeros_like(main)
    placed[:, :c, ::ph, ::pw] = read
    return main + placed


def run(graph, params, x, labels, training):
    """Returns (output of graph output, training objective)."""
    values, objective = {}, torch.zeros(())
    for node in graph["nodes"]:
        op, s, name = node["op"], node["settings"], node["name"]
        if op == "input":
            values[name] = x
            continue
        if node["train_only"] and not training:
            continue
        ins = [values[i] for i in node["inputs"]]
        a = ins[0]
        w = params.get(name + ".weight")
        b = params.get(name + ".bias")
        if op == "conv":
            y = activation(F.conv2d(a, w, b, tuple(s["stride"]), tuple(s["pad"]), tuple(s["dilation"]), s["groups"]), s["act"])
        elif op == "dense":
            y = activation(F.linear(a.flatten(1), w, b), s["act"])
        elif op in ("relu", "sigmoid", "tanh"):
            y = activation(a, op)
        elif op == "leaky_relu":
            y = F.leaky_relu(a, s["slope"])
        elif op == "lrn":
            # PyTorch divides alpha by size: give it scale * size.
            y = F.local_response_norm(a, s["size"], s["scale"] * s["size"], s["beta"], s["k"])
        elif op in ("maxpool", "avgpool"):
            k, st, p, ceil = tuple(s["kernel"]), tuple(s["stride"]), tuple(s["pad"]), s["round"] == "ceil"
            if op == "maxpool":
                y = F.max_pool2d(a, k, st, p, ceil_mode=ceil)
            else:
                y = F.avg_pool2d(a, k, st, p, ceil_mode=ceil, count_include_pad=s["divisor"] == "window")
        elif op == "dropout":
            assert not training or s["rate"] == 0, "training parity needs dropout rate 0"
            y = a
        elif op == "flatten":
            y = a.flatten(1)
        elif op == "concat":
            y = torch.cat(ins, 1)
        elif op == "add":
            y = ins[0]
            for other in ins[1:]:
                y = y + other
        elif op == "shortcut":
            y = shortcut(ins[0], ins[1])
        elif op == "softmax":
            y = F.softmax(a, 1)
        elif op == "batchnorm":
            y = F.batch_norm(a, params[name + ".running_mean"], params[name + ".running_var"], w, b,
                             training=training, momentum=s["momentum"], eps=s["eps"])
        elif op == "scale":
            shape = (1, -1) + (1,) * (a.dim() - 2)
            y = a * w.reshape(shape) + (b.reshape(shape) if b is not None else 0)
        elif op == "loss":
            objective = objective + s["weight"] * F.cross_entropy(a.flatten(1), labels,
                                                                  label_smoothing=s.get("label_smoothing", 0.0))
            y = None
        else:
            raise SystemExit(f"torch_graph.py: unknown op {op}")
        values[name] = y
    return values[graph["output"]], objective


def train(graph, params, a, gen):
    shape = graph["nodes"][0]["output_shape"]
    n = a.examples or a.train * a.batch
    x = torch.randn([n] + shape, generator=gen)
    labels = torch.randint(0, graph["classes"], (n,), generator=gen)
    save_safetensors(f"{a.out}/weights.safetensors", params)
    np.save(f"{a.out}/data.npy", x.numpy())
    np.save(f"{a.out}/labels.npy", labels.numpy())
    if a.float64:
        wide = {k: v.detach().double().requires_grad_(v.requires_grad) for k, v in params.items()}
        save_safetensors(f"{a.out}/trained-float64.safetensors", train_steps(graph, wide, x.double(), labels, a))
    save_safetensors(f"{a.out}/trained.safetensors", train_steps(graph, params, x, labels, a))


def train_steps(graph, params, x, labels, a):
    """`a.train` steps on (x, labels) from `params` (updated in place, and returned)."""
    steps_per_epoch = -(-len(x) // a.batch)  # the last batch may be smaller (DataLoader's drop_last=False)
    learnable = [v for k, v in params.items() if ".running_" not in k]
    if a.optimizer == "sgd":
        opt = torch.optim.SGD(learnable, lr=a.lr or 0.1, momentum=0.9, weight_decay=5e-4)
    else:
        opt = torch.optim.AdamW(learnable, lr=a.lr or 0.01, weight_decay=0.01)
    for s in range(a.train):
        opt.zero_grad()
        first = s % steps_per_epoch * a.batch
        _, objective = run(graph, params, x[first:first + a.batch], labels[first:first + a.batch], training=True)
        objective.backward()
        opt.step()
    return params


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("graph")
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=0)
    ap.add_argument("--examples", type=int, default=0, help="--train: the data set's size (default STEPS x N), read in order epoch after epoch")
    ap.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd")
    ap.add_argument("--lr", type=float, default=0.0, help="--train: the learning rate (default 0.1 for sgd, 0.01 for adamw)")
    ap.add_argument("--float64", action="store_true", help="--train: also train in float64 from the same start (trained-float64.safetensors, rounded to float32)")
    a = ap.parse_args()
    graph = json.load(open(a.graph))
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    params = draw_parameters(graph, gen)
    if a.train:
        return train(graph, params, a, gen)
    shape = graph["nodes"][0]["output_shape"]
    x = torch.randn([a.batch] + shape, generator=gen)
    labels = torch.randint(0, graph["classes"], (a.batch,), generator=gen)
    save_safetensors(f"{a.out}/weights.safetensors", params)
    np.save(f"{a.out}/input.npy", x.numpy())
    np.save(f"{a.out}/labels.npy", labels.numpy().astype(np.float32))
    with torch.no_grad():
        out, _ = run(graph, {k: v.clone() for k, v in params.items()}, x, labels, training=False)
    np.save(f"{a.out}/output.npy", out.numpy())
    xg = x.clone().requires_grad_()
    _, objective = run(graph, params, xg, labels, training=True)
    objective.backward()
    np.save(f"{a.out}/loss.npy", objective.detach().numpy().reshape(1))
    grads = {k: v.grad for k, v in params.items() if v.requires_grad and v.grad is not None}
    grads["input"] = xg.grad
    save_safetensors(f"{a.out}/grads.safetensors", grads)
    save_safetensors(f"{a.out}/running.safetensors", {k: v for k, v in params.items() if ".running_" in k})


if __name__ == "__main__":
    main()
