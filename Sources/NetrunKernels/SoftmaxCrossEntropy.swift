// Softmax over rows, and softmax cross-entropy with integer labels.
import CNetrunKernels
import Foundation

public enum Softmax {
    /// `p[r, j] = exp(z[r, j] - max_r) / sum_k exp(z[r, k] - max_r)` for `[rows, classes]`.
    /// `p` may alias `z`.
    public static func forward(_ z: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>, rows: Int, classes: Int) {
        precondition(rows >= 1 && classes >= 1, "Softmax: sizes must be positive")
        for r in 0 ..< rows { _ = row(z + r * classes, p + r * classes, classes) }
    }

    /// Backward of `forward` from its output `y`, per row:
    /// `dx[r, j] = y[r, j] * (dy[r, j] - sum_k dy[r, k] * y[r, k])` (softmax.c, AVX2/FMA or
    /// scalar). `dx` is overwritten and may alias `dy` or `y`. Rows are split over
    /// `threads` once there are `Parallel.elementwiseGrain` floats.
    public static func backward(output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>, rows: Int, classes: Int,
                                threads: Int = Parallel.processorCount) {
        precondition(rows >= 1 && classes >= 1, "Softmax: sizes must be positive")
        Parallel.forEachPart(count: rows, threads: Parallel.elementwiseThreads(rows * classes, threads)) { _, r in
            let o = r.lowerBound * classes
            netrun_softmax_backward(y + o, dy + o, dx + o, r.count, classes)
        }
    }

    /// Softmax of one row; returns log(sum exp(z - max)) + max = logsumexp(z).
    @inline(__always)
    static func row(_ z: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ classes: Int) -> Double {
        var top = z[0]
        for j in 1 ..< max(classes, 1) where z[j] > top { top = z[j] }
        var sum: Float = 0
        for j in 0 ..< classes {
            let e = Foundation.exp(z[j] - top)
            p[j] = e
            sum += e
        }
        let inv = 1 / sum
        for j in 0 ..< classes { p[j] *= inv }
        return Double(top) + Foundation.log(Double(sum))
    }
}

public enum SoftmaxCrossEntropy {
    /// Loss `weight / rows * sum_r sum_j q[r, j] (logsumexp(z[r, :]) - z[r, j])`, the target
    /// `q[r, :]` one-hot at `label[r]` mixed with the uniform distribution by `smoothing` ε:
    /// `(1 - ε) [j == label] + ε / classes` (PyTorch's `label_smoothing`), which makes each row
    /// `logsumexp(z) - (1 - ε) z[label] - ε mean(z)`. Max-subtracted, so no overflow; also
    /// writes the probabilities `[rows, classes]` for `backward`. Labels must be in
    /// `0..<classes`: the caller validates them (checked here only by precondition).
    public static func forward(logits z: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                               probabilities p: UnsafeMutablePointer<Float>, rows: Int, classes: Int,
                               weight: Float = 1, smoothing: Float = 0) -> Float {
        precondition(rows >= 1 && classes >= 1, "SoftmaxCrossEntropy: sizes must be positive")
        var total = 0.0
        let e = Double(smoothing)
        for r in 0 ..< rows {
            let label = Int(labels[r])
            precondition(label >= 0 && label < classes, "SoftmaxCrossEntropy: label out of range")
            let row = z + r * classes
            let lse = Softmax.row(row, p + r * classes, classes)
            var term = lse - Double(row[label])
            if e != 0 {
                var sum = 0.0
                for j in 0 ..< classes { sum += Double(row[j]) }
                term = lse - (1 - e) * Double(row[label]) - e * sum / Double(classes)
            }
            total += term
        }
        return Float(Double(weight) * total / Double(rows))
    }

    /// `dz[r, j] (+)= weight * (p[r, j] - q[r, j]) / rows`, `q` the (smoothed) target of
    /// `forward`; overwritten, or added to when `accumulate` (e.g. an auxiliary head's
    /// logits shared with no one else need not). `dz` may alias `p` when not accumulating.
    public static func backward(probabilities p: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                logitsGradient dz: UnsafeMutablePointer<Float>, rows: Int, classes: Int,
                                weight: Float = 1, smoothing: Float = 0, accumulate: Bool = false) {
        precondition(rows >= 1 && classes >= 1, "SoftmaxCrossEntropy: sizes must be positive")
        let s = weight / Float(rows)
        let uniform = smoothing / Float(classes), hit = 1 - smoothing + uniform
        for r in 0 ..< rows {
            let label = Int(labels[r])
            precondition(label >= 0 && label < classes, "SoftmaxCrossEntropy: label out of range")
            for j in 0 ..< classes {
                // With no smoothing, exactly p - 1 and p - 0 as before.
                let g = s * (p[r * classes + j] - (j == label ? hit : uniform))
                dz[r * classes + j] = accumulate ? dz[r * classes + j] + g : g
            }
        }
    }
}
