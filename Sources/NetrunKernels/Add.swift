// The add op: the elementwise sum of two or more tensors of one shape (residual
// connections). Loops in C (netrun_add, netrun_accumulate in elementwise.c).
import CNetrunKernels

/// `y = x[0] + x[1] + ... + x[k-1]` over `count` floats; backward hands `dy` to every input.
public enum Add {
    /// `y = x[0] + x[1] + ...` (k >= 2), added left to right in float as PyTorch's
    /// `x0 + x1 + x2`, in one pass per range: `y = x0 + x1`, then `y += x2`, ...
    /// `y` may alias `x[0]` or `x[1]`, not a later input (it is written before they are read).
    public static func forward(_ inputs: [UnsafePointer<Float>], into y: UnsafeMutablePointer<Float>, count: Int,
                               threads: Int = Parallel.processorCount) {
        precondition(inputs.count >= 2, "Add: needs at least two inputs")
        precondition(!inputs.dropFirst(2).contains(UnsafePointer(y)), "Add: the output may alias only the first two inputs")
        splitElementwise(count, threads) { o, n in
            netrun_add(inputs[0] + o, inputs[1] + o, y + o, n)
            for x in inputs.dropFirst(2) { netrun_accumulate(x + o, y + o, n) }
        }
    }

    /// The gradient of each input is `dy`: copied into `dx`, or added to it when
    /// `accumulate` (another consumer of that input already wrote its gradient there).
    /// Call once per input. `dx` may be `dy` itself when not accumulating (nothing to do).
    public static func backward(outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>,
                                count: Int, accumulate: Bool = false, threads: Int = Parallel.processorCount) {
        if accumulate {
            precondition(UnsafePointer(dx) != dy, "Add.backward: cannot accumulate dy into itself")
            splitElementwise(count, threads) { o, n in netrun_accumulate(dy + o, dx + o, n) }
        } else if UnsafePointer(dx) != dy {
            splitElementwise(count, threads) { o, n in (dx + o).update(from: dy + o, count: n) }
        }
    }
}
