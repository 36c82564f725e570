#!/usr/bin/env python3
"""Writes the seed inputs of the reader fuzz targets into Tests/NetrunFuzz/Seeds/<target>/.

Each seed is a small VALID input in the target's layout (see the target's source for its
option bytes): two IDX files, two CIFAR batches, an image, a Caffe net and solver, a
Darknet cfg, a metrics.jsonl, a TensorBoard event file, a run state's JSON. Deterministic
(gzip without a time stamp, fixed pixel values), so rerunning it rewrites the same bytes.
Needs only Python's standard library, and PIL for the JPEG seeds (skipped without it; the
committed ones stay). Run it from anywhere: python3 Tests/NetrunFuzz/Seeds/make-seeds.py
"""
import gzip, io, json, os, struct, zlib

ROOT = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def piece(data):
    """Two length bytes (little-endian), then the bytes: FuzzInput.piece()."""
    assert len(data) < 65536
    return struct.pack("<H", len(data)) + data


# IDX: option byte (classes = 1 + b % 16), images piece, labels rest.
def idx(dims, values):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)

images3 = idx([2, 4, 4], range(32))
images4 = idx([2, 3, 2, 2], (7 * i % 256 for i in range(24)))
labels = idx([2], [1, 9])
write("idx", "plain-3d", bytes([9]) + piece(images3) + labels)
write("idx", "plain-4d", bytes([9]) + piece(images4) + labels)
write("idx", "gzip-both", bytes([9]) + piece(gz(images3)) + gz(labels))
write("idx", "gzip-images", bytes([9]) + piece(gz(images4)) + labels)
write("idx", "gzip-two-members", bytes([9]) + piece(gz(images3[:10]) + gz(images3[10:])) + labels)

# CIFAR: option byte (bit 0: CIFAR-100), first file piece, second file rest.
def cifar_record(labels_, seed):
    return bytes(labels_) + bytes((seed * 31 + i * 7) % 256 for i in range(3072))

c10a, c10b = cifar_record([3], 1), cifar_record([9], 2) + cifar_record([0], 3)
c100a, c100b = cifar_record([2, 17], 4), cifar_record([19, 99], 5)
write("cifar", "cifar10", bytes([0]) + piece(c10a) + c10b)
write("cifar", "cifar100", bytes([1]) + piece(c100a) + c100b)
write("cifar", "cifar10-gzip", bytes([0]) + piece(gz(c10a)) + gz(c10b))
write("cifar", "cifar100-gzip", bytes([1]) + piece(gz(c100a)) + c100b)

# Images: three option bytes (bit 0 gray, bit 1 resize, bit 2 crop; resize side; crop side), then the file.
def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def png(width, height, color_type, depth, rows, palette=None, trns=None, interlace=0):
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace))
    if palette is not None:
        out += png_chunk(b"PLTE", palette)
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    out += png_chunk(b"IDAT", zlib.compress(b"".join(b"\0" + r for r in rows), 9))
    return out + png_chunk(b"IEND", b"")

W, H = 6, 4
rgb_rows = [bytes((x * 40 + y * 10 + c * 70) % 256 for x in range(W) for c in range(3)) for y in range(H)]
write("image", "png-rgb", bytes([0, 3, 3]) + png(W, H, 2, 8, rgb_rows))
write("image", "png-rgb-resize-crop", bytes([6, 7, 3]) + png(W, H, 2, 8, rgb_rows))
write("image", "png-gray", bytes([1, 0, 0]) + png(W, H, 0, 8, [bytes((x * 40 + y) % 256 for x in range(W)) for y in range(H)]))
write("image", "png-rgba-gray-out", bytes([3, 1, 0]) + png(W, H, 6, 8, [bytes((x + y + c) * 20 % 256 for x in range(W) for c in range(4)) for y in range(H)]))
write("image", "png-palette", bytes([4, 0, 1]) + png(W, H, 3, 8, [bytes((x + y) % 3 for x in range(W)) for y in range(H)],
                                                   palette=bytes([255, 0, 0, 0, 255, 0, 0, 0, 255]), trns=bytes([128])))
write("image", "png-rgb16", bytes([0, 0, 0]) + png(2, 2, 2, 16, [bytes(range(12)), bytes(range(12, 24))]))
write("image", "png-gray1", bytes([1, 0, 0]) + png(8, 2, 0, 1, [b"\xa5", b"\x5a"]))
write("image", "png-interlaced", bytes([0, 0, 0]) + png(1, 1, 2, 8, [b"\x10\x20\x30"], interlace=1))
try:
    from PIL import Image
    img = Image.frombytes("RGB", (W, H), b"".join(rgb_rows))
    for name, options, kwargs, mode in [
        ("jpeg-baseline", [0, 0, 0], {"quality": 90}, "RGB"),
        ("jpeg-444-resize", [2, 11, 0], {"quality": 95, "subsampling": 0}, "RGB"),
        ("jpeg-progressive", [4, 0, 2], {"quality": 80, "progressive": True}, "RGB"),
        ("jpeg-gray", [1, 0, 0], {"quality": 90}, "L"),
        ("jpeg-cmyk", [0, 0, 0], {"quality": 90}, "CMYK"),
    ]:
        out = io.BytesIO()
        img.convert(mode).save(out, "JPEG", **kwargs)
        write("image", name, bytes(options) + out.getvalue())
except ImportError:
    print("make-seeds.py: no PIL: JPEG seeds left as they are")

# Caffe: net prototxt, then NUL and a solver.
def layer(name, kind, bottom=(), top=None, body=""):
    s = 'layer {\n  name: "%s"\n  type: "%s"\n' % (name, kind)
    s += "".join('  bottom: "%s"\n' % b for b in bottom)
    s += "".join('  top: "%s"\n' % t for t in (top or [name]))
    return s + body + "}\n"

small = ('name: "small"\ninput: "data"\ninput_shape { dim: 2 dim: 3 dim: 32 dim: 32 }\n'
         + layer("conv1", "Convolution", ["data"], body="  param { lr_mult: 1 decay_mult: 1 }\n  param { lr_mult: 2 decay_mult: 0 }\n"
                 "  convolution_param { num_output: 8 kernel_size: 5 stride: 1 pad: 2 group: 1\n"
                 "    weight_filler { type: \"xavier\" } bias_filler { type: \"constant\" value: 0.1 } }\n")
         + layer("relu1", "ReLU", ["conv1"], ["conv1"])
         + layer("norm1", "LRN", ["conv1"], body="  lrn_param { local_size: 3 alpha: 0.0001 beta: 0.75 }\n")
         + layer("pool1", "Pooling", ["norm1"], body="  pooling_param { pool: MAX kernel_size: 3 stride: 2 }\n")
         + layer("fc", "InnerProduct", ["pool1"], body="  inner_product_param { num_output: 10 weight_filler { type: \"gaussian\" std: 0.01 } }\n")
         + layer("drop", "Dropout", ["fc"], ["fc"], body="  dropout_param { dropout_ratio: 0.3 }\n")
         + layer("prob", "Softmax", ["fc"]))
trained = ('name: "heads"\n'
           + layer("data", "Data", top=["data", "label"], body="  transform_param { crop_size: 8 mirror: true mean_value: 100 scale: 0.5 }\n"
                   "  data_param { source: \"train_lmdb\" batch_size: 16 }\n  include { phase: TRAIN }\n")
           + layer("data", "Data", top=["data", "label"], body="  transform_param { crop_size: 8 }\n  data_param { batch_size: 4 }\n  include { phase: TEST }\n")
           + layer("conv1", "Convolution", ["data"], body="  convolution_param { num_output: 4 kernel_size: 3 pad: 1 bias_term: false }\n")
           + layer("bn1", "BatchNorm", ["conv1"], ["conv1"])
           + layer("scale1", "Scale", ["conv1"], ["conv1"], body="  scale_param { bias_term: true }\n")
           + layer("a1", "Convolution", ["conv1"], body="  convolution_param { num_output: 2 kernel_size: 1 }\n")
           + layer("b1", "Convolution", ["conv1"], body="  convolution_param { num_output: 2 kernel_size: 3 pad: 1 }\n")
           + layer("cat1", "Concat", ["a1", "b1"])
           + layer("sum1", "Eltwise", ["cat1", "conv1"], body="  eltwise_param { operation: SUM }\n")
           + layer("gap", "Pooling", ["sum1"], body="  pooling_param { pool: AVE global_pooling: true }\n")
           + layer("fc_aux", "InnerProduct", ["data"], body="  inner_product_param { num_output: 3 weight_filler { type: \"msra\" } }\n")
           + layer("loss_aux", "SoftmaxWithLoss", ["fc_aux", "label"], ["l1"], body="  loss_weight: 0.3\n")
           + layer("fc", "InnerProduct", ["gap"], body="  param { lr_mult: 1 decay_mult: 1 }\n  param { lr_mult: 1 decay_mult: 0 }\n"
                   "  inner_product_param { num_output: 3 weight_filler { type: \"xavier\" } }\n")
           + layer("top1", "Accuracy", ["fc", "label"])
           + layer("top2", "Accuracy", ["fc", "label"], body="  accuracy_param { top_k: 2 }\n")
           + layer("loss", "SoftmaxWithLoss", ["fc", "label"]))
legacy = ('name: "legacy"\ninput: "data"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 8\ninput_dim: 8\n'
          'layers {\n  name: "ip"\n  type: INNER_PRODUCT\n  bottom: "data"\n  top: "ip"\n  inner_product_param { num_output: 4 }\n}\n'
          'layers {\n  name: "sm"\n  type: SOFTMAX\n  bottom: "ip"\n  top: "sm"\n}\n# a comment\n')
solver_sgd = ("base_lr: 0.01\nlr_policy: \"multistep\"\ngamma: 0.5\nstepvalue: 100\nstepvalue: 300\nmax_iter: 400\nmomentum: 0.9\n"
              "weight_decay: 0.0005\ntest_iter: 10\ntest_interval: 50\nsnapshot: 200\nrandom_seed: 3\nsolver_mode: GPU\n")
solver_adam = "net: \"net.prototxt\"\nbase_lr: 0.001\nmax_iter: 10\ntype: \"Adam\"\nmomentum: 0.8\nmomentum2: 0.99\ndelta: 1e-6\nlr_policy: \"inv\"\ngamma: 0.0001\npower: 0.75\n"
write("caffe", "deploy", small.encode())
write("caffe", "trained-sgd", (trained + "\0" + solver_sgd).encode())
write("caffe", "trained-adam", (trained + "\0" + solver_adam).encode())
write("caffe", "legacy", legacy.encode())
write("caffe", "poly-step", (trained + "\0" + "base_lr: 0.1\nmax_iter: 5000\nlr_policy: \"step\"\nstepsize: 1000\ngamma: 0.1\n").encode())

# Darknet cfg.
net = "[net]\nheight=32\nwidth=32\nchannels=3\nlearning_rate=0.1\n"
write("darknet", "residual", (net + """
[convolutional]
batch_normalize=1
filters=8
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=3
stride=2

[convolutional]
filters=8
size=1
activation=relu

[convolutional]
filters=8
size=3
pad=1
activation=linear

[shortcut]
from=-2
activation=leaky

[route]
layers=-1,-4

[convolutional]
filters=10
size=1
activation=linear

[avgpool]

[softmax]

[cost]
""").encode())
write("darknet", "connected", ("# comment\n[network]\nheight = 8\nwidth=8\nchannels=1\n\n[conv]\nfilters=4\nsize=3\nstride=2\npad=1\ngroups=1\nactivation=relu\n\n"
                               "[lrn]\nsize=3\nalpha=0.0001\nbeta=0.75\nkappa=1\n\n[max]\nsize=2\nstride=2\n\n[dropout]\nprobability=.5\n\n"
                               "[connected]\noutput=5\nactivation=linear\n\n[soft]\ngroups=1\n\n[cost]\ntype=sse\n").encode())
write("darknet", "crlf", net.replace("\n", "\r\n").encode() + b"[convolutional]\r\nfilters=2\r\nsize=1\r\nactivation=logistic\r\n;x\r\n[avgpool]\r\n[softmax]\r\n")

# metrics.jsonl: a step byte (the resume continues after it), then the file.
metrics = "".join([
    '{"step":10,"epoch":1,"epoch_progress":0.5,"examples":640,"loss":2.0315,"loss/main":2.0315,"lr":0.01,"img_s":412.7}\n',
    '{"step":20,"epoch":1,"epoch_progress":1.0,"examples":1280,"loss":1.5,"loss/main":1.25,"loss/aux":0.83333,"lr":0.01,"img_s":null}\n',
    '{"step":20,"epoch":1,"val_loss":1.9873,"val_top1":0.3125,"val_top5":0.6406,"val_examples":10000}\n',
    '{"step":30,"epoch":2,"epoch_progress":1.5,"examples":1920,"loss":null,"loss/main":null,"lr":1e-05,"img_s":3.5e3}\n',
])
write("metrics", "resume-after-20", bytes([20]) + metrics.encode())
write("metrics", "partial-last-line", bytes([10]) + metrics.encode() + b'{"step":40,"epo')
write("metrics", "blank-lines-escapes", bytes([0]) + b'\n  \r\n{"step" : 1 , "epoch":1,"loss":-0.5E+1,"loss/h\\u00e9\\"\\\\\\/\\n":2}\r\n\t\n')

# TensorBoard events: TFRecord framing (masked CRC32C) of tensorboard.Event protobufs.
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

def masked(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

def record(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked(length)) + data + struct.pack("<I", masked(data))

def varint(n):
    n &= (1 << 64) - 1
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])

def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload

def event(wall, step, what):
    return field(1, 1, struct.pack("<d", wall)) + (field(2, 0, varint(step)) if step else b"") + what

def scalars(pairs):
    return field(5, 2, b"".join(field(1, 2, field(1, 2, tag.encode()) + field(2, 5, struct.pack("<f", v))) for tag, v in pairs))

events = (record(event(1.7e9, 0, field(3, 2, b"brain.Event:2")))
          + record(event(1.7e9 + 1, 0, field(7, 2, field(1, 0, varint(1)))))
          + record(event(1.7e9 + 2, 10, scalars([("train/loss", 2.0), ("train/lr", 0.01), ("train/img_s", 400.0), ("train/epoch", 0.5)])))
          + record(event(1.7e9 + 3, 20, scalars([("train/loss", 1.5), ("train/loss/aux", 0.8)])))
          + record(event(1.7e9 + 4, 20, scalars([("val/loss", 1.9), ("val/top1", 0.3), ("val/top5", 0.6)])))
          + record(event(1.7e9 + 5, 21, field(7, 2, field(1, 0, varint(1)))))
          + record(event(1.7e9 + 6, 30, scalars([("train/loss", float("nan"))]))))
write("events", "resume-after-20", bytes([20]) + events)
write("events", "partial-last-record", bytes([30]) + events + record(event(1.7e9 + 7, 40, scalars([("train/loss", 1.0)])))[:-7])
write("events", "zeros-after", bytes([5]) + events + bytes(32))
write("events", "version-only", bytes([0]) + record(event(1.7e9, 0, field(3, 2, b"brain.Event:2"))))

# Run state: the JSON of state.safetensors' metadata, as JSONEncoder writes the Snapshot.
def state(run, optimizer):
    return json.dumps({"run": run, "optimizer": optimizer}, separators=(",", ":")).encode()

run = {"version": 1, "step": 20, "stepsPerEpoch": 10, "seed": 3, "config": {"train.batch": "8", "model.input.0": "1", "train.optimizer.sgd.lr": "0.1"},
       "configHash": "9c1d2e3f4a5b6c7d", "optimizerSteps": 20, "averagedSteps": 0, "kept": [10, 20]}
write("runstate", "sgd", state(run, {"algorithm": "sgd", "steps": 20}))
write("runstate", "adam-plateau-best", state(dict(run, plateau=json.dumps({"best": 0.25, "badEvaluations": 1, "rate": 0.01, "evaluations": 2}),
                                                  best=0.875, bestStep=10, averagedSteps=5, ranks=2), {"algorithm": "adam", "steps": 20}))
write("runstate", "empty-config", state(dict(run, config={}, kept=[], step=0), {"algorithm": "rmsprop", "steps": 0}))
