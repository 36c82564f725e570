// Adam and AdamW: one fused pass over weights, gradients and both moments (adam.c).
import CNetrunKernels
import Foundation

public enum Adam {
    /// The per-step scalars of PyTorch's `_single_tensor_adam`, computed in Double as
    /// Python does and rounded to float once, as ATen rounds a Python scalar for a
    /// float tensor.
    public struct Coefficients: Sendable, Equatable {
        public var gradientScale: Float
        /// Added to the gradient as `wd * w` (Adam); 0 for AdamW.
        public var weightDecay: Float
        /// `1 - lr * wd` multiplying the weights first (AdamW); 1 for Adam.
        public var decayFactor: Float
        /// `1 - beta1`: the weight of `exp_avg.lerp_(g, 1 - beta1)`.
        public var lerpWeight: Float
        public var beta2: Float
        public var oneMinusBeta2: Float
        /// `lr / (1 - beta1^t)`.
        public var stepSize: Float
        /// `sqrt(1 - beta2^t)`.
        public var biasCorrection2Sqrt: Float
        public var eps: Float

        /// The coefficients of step `t` (1 for the first step).
        public init(step t: Int, lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double,
                    decoupled: Bool, gradientScale: Float = 1) {
            precondition(t >= 1, "Adam's step count starts at 1")
            let bc1 = 1 - Self.power(beta1, t), bc2 = 1 - Self.power(beta2, t)
            self.gradientScale = gradientScale
            self.weightDecay = decoupled ? 0 : Float(weightDecay)
            self.decayFactor = decoupled ? Float(1 - lr * weightDecay) : 1
            self.lerpWeight = Float(1 - beta1)
            self.beta2 = Float(beta2)
            self.oneMinusBeta2 = Float(1 - beta2)
            self.stepSize = Float(lr / bc1)
            self.biasCorrection2Sqrt = Float(bc2.squareRoot())
            self.eps = Float(eps)
        }

        /// `x ** t` for a Python float and int (CPython's float_pow calls C `pow`).
        static func power(_ x: Double, _ t: Int) -> Double {
            pow(x, Double(t))
        }
    }

    /// One Adam (or AdamW) step over `count` values: updates `w`, `m` (exp_avg) and `v`
    /// (exp_avg_sq) in place; start both moments at 0.
    public static func step(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                            m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int,
                            _ c: Coefficients, threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in
            netrun_adam_step(w + o, g + o, m + o, v + o, n, c.gradientScale, c.weightDecay, c.decayFactor,
                             c.lerpWeight, c.beta2, c.oneMinusBeta2, c.stepSize, c.biasCorrection2Sqrt, c.eps)
        }
    }
}
