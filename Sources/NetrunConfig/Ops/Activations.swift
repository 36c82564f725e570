// The activation ops relu, sigmoid and tanh: their rows of the op table (no settings) and
// their decoding. Their payload, `Activation`, is also what conv and dense apply in place.

extension OpSpec {
    static let relu = OpSpec(summary: "max(0, x); NaN propagates.", decode: { _, _ in .activation(.relu) })
    static let sigmoid = OpSpec(summary: "1 / (1 + exp(-x)).", decode: { _, _ in .activation(.sigmoid) })
    static let tanh = OpSpec(summary: "Hyperbolic tangent.", decode: { _, _ in .activation(.tanh) })
}
