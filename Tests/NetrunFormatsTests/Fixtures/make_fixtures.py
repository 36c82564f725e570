#!/usr/bin/env python3
"""Regenerates the interop fixtures of NetrunFormatsTests (needs numpy only, not torch).

    cd Tests/NetrunFormatsTests/Fixtures && python3 make_fixtures.py

The .npy files are written by numpy.save itself. The safetensors files are written by
save_safetensors below, the same layout as Tests/Peers/models.py's save_weights (F32,
header padded to 8 bytes) for numpy arrays. Values are small dyadic fractions so the Swift
tests can recompute them exactly: value(i) = (i % 17) * 0.25 - 2 for flat index i.
"""
import json, os, struct

import numpy as np


def values(shape, dtype=np.float32):
    n = int(np.prod(shape, dtype=np.int64))
    return ((np.arange(n) % 17) * 0.25 - 2).astype(dtype).reshape(shape)


def save_safetensors(path, tensors):
    """Tests/Peers/models.save_weights, for numpy arrays."""
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        a = np.ascontiguousarray(np.asarray(t).astype(np.float32))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    # .npy, by numpy itself.
    np.save("vector5_f32.npy", values((5,)))
    np.save("batch_2x3x4x5_f32.npy", values((2, 3, 4, 5)))
    np.save("scalar_f32.npy", values(()))
    np.save("empty_0x3_f32.npy", values((0, 3)))
    np.save("vector3_f64.npy", values((3,), np.float64))
    np.save("bigendian_f32.npy", values((3,), ">f4"))
    np.save("fortran_2x3_f32.npy", np.asfortranarray(values((2, 3))))

    # safetensors, by the same writer as the PyTorch peers'.
    save_safetensors("small_model.safetensors", {
        "conv1.weight": values((2, 1, 3, 3)),
        "conv1.bias": values((2,)),
        "inception_3a/1x1.weight": values((3, 2, 1, 1)),
        "fc.weight": values((3, 5)),
        "fc.bias": values((3,)),
    })
    # The same layout with dtype F16, as other tools write it.
    h16 = np.array([1.0, -2.0], dtype="<f2")
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "conv1.weight": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}},
                        separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    with open("f16.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + h16.tobytes())


if __name__ == "__main__":
    main()
