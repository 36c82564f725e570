// SGD with momentum, weight decay and optional Nesterov: one fused pass.
import CNetrunKernels

public enum SGD {
    /// PyTorch's `torch.optim.SGD` (dampening 0), for each i in 0..<count:
    /// `d = g + weightDecay * w; v = momentum * v + d;`
    /// `w -= lr * v`, or with Nesterov `w -= lr * (d + momentum * v)`.
    /// Start with `v = 0` (PyTorch's first step sets `v = d`, the same thing).
    /// With `momentum == 0` this is plain SGD (v just holds d). `gradientScale` multiplies
    /// `g` first (gradient clipping's coefficient; 1 leaves it exact).
    public static func step(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                            velocity v: UnsafeMutablePointer<Float>, count: Int,
                            learningRate: Float, momentum: Float, weightDecay: Float,
                            nesterov: Bool = false, gradientScale: Float = 1,
                            threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in
            netrun_sgd_step(w + o, g + o, v + o, n, learningRate, momentum, weightDecay, nesterov ? 1 : 0, gradientScale)
        }
    }
}
