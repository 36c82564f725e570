// ReLU, sigmoid and tanh, forward and backward, over `count` contiguous floats.
// Loops in C (elementwise.c, AVX2/FMA or scalar); long ranges are split over
// `threads` parts. Backward passes read the forward OUTPUT, so the input
// buffer may be overwritten in place (`y == x` is allowed, as is `dx == dy`).
import CNetrunKernels

@inline(__always)
func splitElementwise(_ count: Int, _ threads: Int, _ body: (Int, Int) -> Void) {
    precondition(count >= 0, "negative element count")
    Parallel.forEachPart(count: count, threads: Parallel.elementwiseThreads(count, threads)) { _, r in
        body(r.lowerBound, r.count)
    }
}

/// `y = max(x, 0)`; backward `dx = dy * (y > 0)`.
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
