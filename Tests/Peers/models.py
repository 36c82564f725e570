#!/usr/bin/env python3
"""The networks of Configs/ as PyTorch modules: alexnet, googlenet, fashion-alexnet, fashion-googlenet.

Every layer with parameters is registered on the network itself under its netrun node name
(`conv1`, `inception_3a/3x3_reduce`, `loss1/fc`), so `state_dict()` holds netrun's parameter
names (`conv1.weight`, `inception_3a/3x3_reduce.bias`) in PyTorch's layouts (conv weight
[out, in/groups, kh, kw], dense weight [out, in]) and a safetensors file of it loads in
`netrun predict` as it is. Layers without parameters (ReLU, LRN, pooling, dropout) are calls
in forward(), written in the order of the config's layers.

In eval mode forward() returns the logits (the node `netrun predict` writes). In training
mode GoogLeNet's forward returns (logits, aux1, aux2, ...): the training-only heads, whose
losses count AUX_WEIGHT (`loss: {weight: 0.3, train_only: true}`); `loss()` adds them up.

    python3 Tests/Peers/models.py [--netrun .build/release/netrun]

checks every network's parameter names and shapes against `netrun summary --format json`.
"""
import argparse, json, math, os, subprocess, sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AUX_WEIGHT = 0.3


def lrn(x, size, alpha, beta, k, form):
    """LRN across channels: x / (k + a * sum of x^2 over `size` channels)^beta, where a is
    alpha (`alpha_form: paper`) or alpha / size (`alpha_form: caffe`, PyTorch's own)."""
    return F.local_response_norm(x, size, alpha * size if form == "paper" else alpha, beta, k)


class ConfigNet(nn.Module):
    """A network whose parametered layers are named as netrun names their nodes."""

    def conv(self, name, cin, cout, kernel, stride=1, pad=0, groups=1):
        self.add_module(name, nn.Conv2d(cin, cout, kernel, stride, pad, groups=groups))
        return getattr(self, name)

    def dense(self, name, cin, cout):
        self.add_module(name, nn.Linear(cin, cout))
        return getattr(self, name)

    def layer(self, name):
        return getattr(self, name)

    def initialize(self):
        """The config's fillers (`model.init` and the layers' `init`)."""
        raise NotImplementedError

    def fill(self, weight, bias=None, overrides=()):
        """Fills every conv and dense layer: `weight(tensor, fan_in)` on its weight, `bias` on
        its bias; `overrides` maps layer names to another bias constant."""
        overrides = dict(overrides)
        with torch.no_grad():
            for name, m in self.named_children():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    weight(m.weight, m.weight[0].numel())  # fan in: in/groups * kh * kw, or in
                    m.bias.fill_(overrides.get(name, bias))


def gaussian(std):
    return lambda w, fan_in: w.normal_(0, std)


def xavier_in(w, fan_in):
    """`xavier: {fan: in}` (uniform, variance 1/fan_in), Caffe's xavier filler."""
    a = math.sqrt(3 / fan_in)
    w.uniform_(-a, a)


def msra(w, fan_in):
    """`msra` (normal, variance 2/fan_in): He init."""
    w.normal_(0, math.sqrt(2 / fan_in))


class AlexNet(ConfigNet):
    """Configs/alexnet.yaml (`conv1=(11, 4, 0)`, widths 96..256, fc 4096, 3x227x227) and
    Configs/fashion-alexnet.yaml (`conv1=(5, 1, 2)`, half the widths, fc 512, 1x28x28):
    conv1, paper-form LRN, 3/2 max pool (rounded down), conv2 in two groups, LRN, pool,
    conv3, conv4 and conv5 (two groups), pool, then fc6 and fc7 with dropout 0.5, and fc8."""

    def __init__(self, in_ch, conv1, widths, fc, classes, spatial):
        super().__init__()
        k, s, p = conv1
        c1, c2, c3, c4, c5 = widths
        self.conv("conv1", in_ch, c1, k, s, p)
        self.conv("conv2", c1, c2, 5, 1, 2, groups=2)
        self.conv("conv3", c2, c3, 3, 1, 1)
        self.conv("conv4", c3, c4, 3, 1, 1, groups=2)
        self.conv("conv5", c4, c5, 3, 1, 1, groups=2)
        self.dense("fc6", c5 * spatial * spatial, fc)  # pool5 flattened C-H-W
        self.dense("fc7", fc, fc)
        self.dense("fc8", fc, classes)

    def forward(self, x):
        norm = lambda t: lrn(t, 5, 1e-4, 0.75, 2.0, "paper")
        x = F.max_pool2d(norm(F.relu(self.conv1(x))), 3, 2)
        x = F.max_pool2d(norm(F.relu(self.conv2(x))), 3, 2)
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = F.max_pool2d(F.relu(self.conv5(x)), 3, 2)
        x = F.dropout(F.relu(self.fc6(torch.flatten(x, 1))), 0.5, self.training)
        x = F.dropout(F.relu(self.fc7(x)), 0.5, self.training)
        return self.fc8(x)


class FullAlexNet(AlexNet):
    """Configs/alexnet.yaml: 3x227x227, 1000 classes; init N(0, 0.01^2), biases 0 except 1 on
    conv2, conv4, conv5, fc6 and fc7."""

    def __init__(self):
        super().__init__(3, (11, 4, 0), (96, 256, 384, 384, 256), 4096, 1000, 6)

    def initialize(self):
        self.fill(gaussian(0.01), 0.0, {n: 1.0 for n in ("conv2", "conv4", "conv5", "fc6", "fc7")})


class FashionAlexNet(AlexNet):
    """Configs/fashion-alexnet.yaml: 1x28x28, 10 classes; He-normal init, zero biases."""

    def __init__(self):
        super().__init__(1, (5, 1, 2), (48, 128, 192, 192, 128), 512, 10, 2)

    def initialize(self):
        self.fill(msra, 0.0)


class Inception:
    """The `inception` block of the GoogLeNet configs: 1x1; 3x3_reduce then 3x3 (pad 1);
    5x5_reduce then 5x5 (pad 2); a 3/1 max pool (pad 1, ceil) then pool_proj; every conv with
    ReLU; the four concatenated on channels in that order. Its convs are registered on `net`
    as `NAME/1x1` and so on."""

    def __init__(self, net, name, cin, c1, c3r, c3, c5r, c5, proj):
        self.net, self.name, self.out = net, name, c1 + c3 + c5 + proj
        net.conv(f"{name}/1x1", cin, c1, 1)
        net.conv(f"{name}/3x3_reduce", cin, c3r, 1)
        net.conv(f"{name}/3x3", c3r, c3, 3, 1, 1)
        net.conv(f"{name}/5x5_reduce", cin, c5r, 1)
        net.conv(f"{name}/5x5", c5r, c5, 5, 1, 2)
        net.conv(f"{name}/pool_proj", cin, proj, 1)

    def __call__(self, x):
        c = lambda part, t: F.relu(self.net.layer(f"{self.name}/{part}")(t))
        return torch.cat([c("1x1", x),
                          c("3x3", c("3x3_reduce", x)),
                          c("5x5", c("5x5_reduce", x)),
                          c("pool_proj", F.max_pool2d(x, 3, 1, 1, ceil_mode=True))], 1)


class AuxHead:
    """The training-only auxiliary classifier: average pool (ceil), 1x1 conv with ReLU, dense
    with ReLU, dropout 0.7, dense to the classes; registered as `NAME/conv`, `NAME/fc`,
    `NAME/classifier`."""

    def __init__(self, net, name, cin, pool, conv, spatial, fc, classes):
        self.net, self.name, self.pool = net, name, pool
        net.conv(f"{name}/conv", cin, conv, 1)
        net.dense(f"{name}/fc", conv * spatial * spatial, fc)
        net.dense(f"{name}/classifier", fc, classes)

    def __call__(self, x):
        kernel, stride = self.pool
        layer = lambda part: self.net.layer(f"{self.name}/{part}")
        x = F.relu(layer("conv")(F.avg_pool2d(x, kernel, stride, ceil_mode=True)))
        x = F.dropout(F.relu(layer("fc")(torch.flatten(x, 1))), 0.7, self.net.training)
        return layer("classifier")(x)


def pool(x):
    """The 3/2 max pool between GoogLeNet's stages, rounded up as Caffe does."""
    return F.max_pool2d(x, 3, 2, ceil_mode=True)


class GoogLeNet(ConfigNet):
    """Configs/googlenet.yaml: 3x224x224, 1000 classes; auxiliary heads loss1 on inception_4a
    and loss2 on inception_4d (training only); xavier (fan in) weights, biases 0.2, 0 on the
    three classifiers."""

    def __init__(self, classes=1000):
        super().__init__()
        self.conv("conv1", 3, 64, 7, 2, 3)
        self.conv("conv2_reduce", 64, 64, 1)
        self.conv("conv2", 64, 192, 3, 1, 1)
        table = [("3a", 192, 64, 96, 128, 16, 32, 32), ("3b", 256, 128, 128, 192, 32, 96, 64),
                 ("4a", 480, 192, 96, 208, 16, 48, 64), ("4b", 512, 160, 112, 224, 24, 64, 64),
                 ("4c", 512, 128, 128, 256, 24, 64, 64), ("4d", 512, 112, 144, 288, 32, 64, 64),
                 ("4e", 528, 256, 160, 320, 32, 128, 128), ("5a", 832, 256, 160, 320, 32, 128, 128),
                 ("5b", 832, 384, 192, 384, 48, 128, 128)]
        self.blocks = {b: Inception(self, f"inception_{b}", *cs) for b, *cs in table}
        self.loss1 = AuxHead(self, "loss1", 512, (5, 3), 128, 4, 1024, classes)  # 14x14 -> 4x4
        self.loss2 = AuxHead(self, "loss2", 528, (5, 3), 128, 4, 1024, classes)
        self.dense("classifier", 1024, classes)

    def forward(self, x):
        b = self.blocks
        norm = lambda t: lrn(t, 5, 1e-4, 0.75, 1.0, "caffe")
        x = norm(pool(F.relu(self.conv1(x))))                                   # 64x56x56
        x = F.relu(self.conv2(F.relu(self.conv2_reduce(x))))
        x = pool(norm(x))                                                        # 192x28x28
        x = pool(b["3b"](b["3a"](x)))                                            # 480x14x14
        x = b["4a"](x)
        aux = [self.loss1(x)] if self.training else []
        x = b["4d"](b["4c"](b["4b"](x)))
        if self.training:
            aux.append(self.loss2(x))
        x = pool(b["4e"](x))                                                     # 832x7x7
        x = F.avg_pool2d(b["5b"](b["5a"](x)), 7, 1)                              # 1024x1x1
        out = self.classifier(F.dropout(torch.flatten(x, 1), 0.4, self.training))
        return (out, *aux) if self.training else out

    def initialize(self):
        self.fill(xavier_in, 0.2, {n: 0.0 for n in ("loss1/classifier", "loss2/classifier", "classifier")})


class FashionGoogLeNet(ConfigNet):
    """Configs/fashion-googlenet.yaml: 1x28x28, 10 classes; no LRN; four Inception blocks;
    auxiliary head loss1 on inception_4a (training only); global average pool, dropout 0.4;
    He-normal weights, zero biases."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv("conv1", 1, 32, 3, 1, 1)
        self.conv("conv2_reduce", 32, 32, 1)
        self.conv("conv2", 32, 96, 3, 1, 1)
        table = [("3a", 96, 32, 48, 64, 8, 16, 16), ("3b", 128, 64, 64, 96, 16, 48, 32),
                 ("4a", 240, 96, 48, 104, 8, 24, 32), ("4b", 256, 80, 56, 112, 12, 32, 32)]
        self.blocks = {b: Inception(self, f"inception_{b}", *cs) for b, *cs in table}
        self.loss1 = AuxHead(self, "loss1", 256, (3, 2), 64, 3, 256, classes)  # 7x7 -> 3x3
        self.dense("classifier", 256, classes)

    def forward(self, x):
        b = self.blocks
        x = pool(F.relu(self.conv1(x)))                                          # 32x14x14
        x = F.relu(self.conv2(F.relu(self.conv2_reduce(x))))           # 96x14x14
        x = b["4a"](pool(b["3b"](b["3a"](x))))                                   # 256x7x7
        aux = [self.loss1(x)] if self.training else []
        x = b["4b"](x).mean((2, 3))                                              # 256
        out = self.classifier(F.dropout(x, 0.4, self.training))
        return (out, *aux) if self.training else out

    def initialize(self):
        self.fill(msra, 0.0)


# name: (constructor, input shape C x H x W, classes)
MODELS = {
    "alexnet": (FullAlexNet, (3, 227, 227), 1000),
    "googlenet": (GoogLeNet, (3, 224, 224), 1000),
    "fashion-alexnet": (FashionAlexNet, (1, 28, 28), 10),
    "fashion-googlenet": (FashionGoogLeNet, (1, 28, 28), 10),
}


def build(name):
    """The network `name`, initialized as its config says."""
    model = MODELS[name][0]()
    model.initialize()
    return model


def loss(out, labels):
    """Softmax cross-entropy on the logits, plus AUX_WEIGHT times each auxiliary head's."""
    if isinstance(out, tuple):
        main, *aux = out
        return F.cross_entropy(main, labels) + AUX_WEIGHT * sum(F.cross_entropy(a, labels) for a in aux)
    return F.cross_entropy(out, labels)


def save_weights(path, tensors):
    """Writes `{name: tensor}` as safetensors, all float32: an 8-byte little-endian header
    length, the JSON header (padded with spaces to 8 bytes), then the raw data in order."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for data in blobs:
            f.write(data)


def check(netrun):
    """Compares each network's state dict with the parameters `netrun summary` lists."""
    failures = 0
    for name, (make, shape, classes) in MODELS.items():
        out = subprocess.run([netrun, "summary", os.path.join(ROOT, "Configs", name + ".yaml"), "--format", "json"],
                             check=True, capture_output=True, text=True).stdout
        summary = json.loads(out)
        theirs = {p["name"]: p["shape"] for n in summary["nodes"] for p in n["parameters"]}
        model = make().eval()
        ours = {k: list(v.shape) for k, v in model.state_dict().items()}
        problems = [f"missing {k} {s}" for k, s in theirs.items() if k not in ours]
        problems += [f"extra {k} {s}" for k, s in ours.items() if k not in theirs]
        problems += [f"{k}: {ours[k]} here, {s} in netrun" for k, s in theirs.items() if k in ours and ours[k] != s]
        with torch.no_grad():
            logits = list(model(torch.zeros(1, *shape)).shape)
        if logits != [1, classes]:
            problems.append(f"output {logits}, expected [1, {classes}]")
        count = sum(v.numel() for v in model.state_dict().values())
        if count != summary["params"]:
            problems.append(f"{count} parameters here, {summary['params']} in netrun")
        print(f"{name:<18} {count:>11,} parameters  " + ("ok" if not problems else "; ".join(problems)))
        failures += bool(problems)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netrun", default=os.path.join(ROOT, ".build/release/netrun"))
    return check(ap.parse_args().netrun)


if __name__ == "__main__":
    sys.exit(main())
