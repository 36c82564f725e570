"""PyTorch figures for the same cases as Tests/NetrunKernelsTests/KernelBenchmarks.swift.

Run: python3 bench/kernels_torch.py   (2 threads, float32, CPU; median and best of 5 after a warm-up)
"""
import time
import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)


def timed(fn, repeats=5):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2], ts[0]


def conv(name, n, c, h, w, out, k, stride=1, pad=0, groups=1):
    x = torch.randn(n, c, h, w, requires_grad=True)
    wt = (torch.randn(out, c // groups, k, k) * 0.05).requires_grad_()
    b = torch.randn(out, requires_grad=True)
    y = F.conv2d(x, wt, b, stride, pad, 1, groups)
    dy = torch.randn_like(y)
    macs = y.numel() * (c // groups) * k * k

    def step():
        x.grad = wt.grad = b.grad = None
        F.conv2d(x, wt, b, stride, pad, 1, groups).backward(dy)

    med, best = timed(step)
    print(f"TORCH {name} fwd+bwd: median {med*1e3:.2f} ms, best {best*1e3:.2f} ms, "
          f"{6*macs/med*1e-9:.1f} GFLOP/s (best {6*macs/best*1e-9:.1f})")


def dense():
    x = torch.randn(64, 9216, requires_grad=True)
    wt = (torch.randn(4096, 9216) * 0.01).requires_grad_()
    b = torch.randn(4096, requires_grad=True)
    dy = torch.randn(64, 4096)

    def step():
        x.grad = wt.grad = b.grad = None
        F.linear(x, wt, b).backward(dy)

    med, best = timed(step, 3)
    flops = 6 * 64 * 9216 * 4096
    print(f"TORCH alexnet fc6 N=64 fwd+bwd: median {med*1e3:.2f} ms, best {best*1e3:.2f} ms, "
          f"{flops/med*1e-9:.1f} GFLOP/s")


def loops():
    x = torch.randn(16, 96, 55, 55, requires_grad=True)
    dy = torch.randn(16, 96, 55, 55)
    for name, fn in [("relu", F.relu),
                     ("lrn size 5 beta 0.75", lambda t: F.local_response_norm(t, 5, 5e-4, 0.75, 2.0)),
                     ("maxpool 3/2", lambda t: F.max_pool2d(t, 3, 2))]:
        y = fn(x)
        g = torch.randn_like(y)

        def step():
            x.grad = None
            fn(x).backward(g)

        med, best = timed(step)
        print(f"TORCH {name} fwd+bwd 16x96x55x55: median {med*1e3:.2f} ms, best {best*1e3:.2f} ms")


print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
conv("alexnet conv2 N=16 96->256 5x5 p2 g2 27x27", 16, 96, 27, 27, 256, 5, 1, 2, 2)
conv("alexnet conv1 N=16 3->96 11x11 s4 227x227", 16, 3, 227, 227, 96, 11, 4, 0, 1)
conv("googlenet 3a 3x3 N=16 96->128 p1 28x28", 16, 96, 28, 28, 128, 3, 1, 1, 1)
conv("googlenet 4a 1x1 N=16 480->192 14x14", 16, 480, 14, 14, 192, 1)
dense()
loops()
