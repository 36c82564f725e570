// ReLU, leaky ReLU, sigmoid and tanh, forward and backward, over `count`
// contiguous floats. Loops in C (elementwise.c, AVX2/FMA or scalar); long ranges
// are split over `threads` parts. Every forward may run in place (`y == x`), every
// backward with `dx == dy`. The backward passes of ReLU, sigmoid and tanh read the
// forward OUTPUT, so their input may be overwritten; leaky ReLU's reads the INPUT.
import CNetrunKernels

@inline(__always)
func splitElementwise(_ count: Int, _ threads: Int, _ body: (Int, Int) -> Void) {
    precondition(count >= 0, "negative element count")
    Parallel.forEachPart(count: count, threads: Parallel.elementwiseThreads(count, threads)) { _, r in
        body(r.lowerBound, r.count)
    }
}

/// `y = x < 0 ? 0 : x`, as PyTorch's `relu`: NaN stays NaN, -0.0 stays -0.0, -inf gives 0.
/// Backward, as PyTorch's `threshold_backward`: `dx = y <= 0 ? 0 : dy` (a NaN output passes `dy`).
public enum ReLU {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                               threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_relu_forward(x + o, y + o, n) }
    }

    public static func backward(output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>, count: Int,
                                threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_relu_backward(y + o, dy + o, dx + o, n) }
    }
}

/// `y = x > 0 ? x : slope * x` (PyTorch's `F.leaky_relu`, any slope, NaN propagates);
/// backward `dx = x > 0 ? dy : slope * dy`, from the forward INPUT `x` (so a slope of 0 or
/// below is right too): after an in-place forward, the backward needs a copy of the input.
public enum LeakyReLU {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, slope: Float,
                               threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_leaky_relu_forward(x + o, y + o, slope, n) }
    }

    public static func backward(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>, count: Int, slope: Float,
                                threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_leaky_relu_backward(x + o, dy + o, dx + o, slope, n) }
    }
}

/// `y = 1 / (1 + e^-x)` (vector exp: Cephes polynomial, about 1e-7 relative);
/// backward `dx = dy * y * (1 - y)`.
public enum Sigmoid {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                               threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_sigmoid_forward(x + o, y + o, n) }
    }

    public static func backward(output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>, count: Int,
                                threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_sigmoid_backward(y + o, dy + o, dx + o, n) }
    }
}

/// `y = tanh(x)` (odd polynomial below |x| = 0.625, else `1 - 2/(e^{2|x|} + 1)`);
/// backward `dx = dy * (1 - y^2)`.
public enum Tanh {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                               threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_tanh_forward(x + o, y + o, n) }
    }

    public static func backward(output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>, count: Int,
                                threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_tanh_backward(y + o, dy + o, dx + o, n) }
    }
}
