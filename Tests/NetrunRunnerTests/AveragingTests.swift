import Foundation
import Testing
import NetrunConfig
import NetrunFormats
@testable import NetrunRunner

/// Weight averaging against a naive loop over the same weight sequence.
@Suite struct AveragingTests {
    static let slices = [
        ParameterSlice(name: "conv.weight", shape: [2, 3, 3, 3], offset: 0, count: 54, learnable: true),
        ParameterSlice(name: "bn.weight", shape: [2], offset: 54, count: 2, learnable: true),
        ParameterSlice(name: "bn.running_mean", shape: [2], offset: 56, count: 2, learnable: false),
        ParameterSlice(name: "fc.weight", shape: [5, 200], offset: 58, count: 1000, learnable: true),
    ]
    static let count = 1058

    /// The weights after step k: a different pseudo-random vector each step.
    static func weights(step k: Int) -> [Float] {
        var rng = SplitMix64(seed: UInt64(k) &* 0x9E37_79B9 &+ 1)
        return (0 ..< count).map { _ in Float(rng.next() % 20001) / 10000 - 1 }
    }

    static func feed(_ a: inout WeightAverager, steps: Range<Int>) {
        for k in steps {
            let w = weights(step: k)
            w.withUnsafeBufferPointer { _ = a.update(weights: $0.baseAddress!, step: k, threads: 2) }
        }
    }

    @Test(arguments: [0, 7])
    func polyakIsTheUniformMeanOfTheWeightsFromItsStartOn(start: Int) throws {
        var a = try WeightAverager(kind: .polyak(start: start), tensors: Self.slices)
        Self.feed(&a, steps: 0 ..< 20)
        #expect(a.count == 20 - start)
        var mean = [Double](repeating: 0, count: Self.count)
        for k in start ..< 20 { for (i, w) in Self.weights(step: k).enumerated() { mean[i] += Double(w) / Double(20 - start) } }
        let last = Self.weights(step: 19)
        for s in Self.slices {
            for i in s.offset ..< s.offset + s.count {
                if s.learnable {
                    #expect(abs(Double(a.values[i]) - mean[i]) < 1e-6, "\(s.name)[\(i - s.offset)]")
                } else {
                    #expect(a.values[i] == last[i], "running statistics are the current model's")
                }
            }
        }
    }

    @Test func emaFollowsDecayTimesAveragePlusTheRestTimesTheWeights() throws {
        let decay = 0.9
        var a = try WeightAverager(kind: .ema(decay: decay), tensors: Self.slices)
        #expect(a.isEmpty)
        Self.feed(&a, steps: 0 ..< 15)
        var ema = Self.weights(step: 0).map(Double.init)   // the first update copies (AveragedModel)
        for k in 1 ..< 15 { for (i, w) in Self.weights(step: k).enumerated() { ema[i] = decay * ema[i] + (1 - decay) * Double(w) } }
        // Every tensor, batch norm's running statistics included (use_buffers=True).
        let worst = (0 ..< Self.count).map { abs(Double(a.values[$0]) - ema[$0]) }.max() ?? 0
        #expect(worst < 1e-6, "worst difference \(worst)")
        let statistic = try #require(Self.slices.first { !$0.learnable })
        #expect(a.values[statistic.offset] != Self.weights(step: 14)[statistic.offset])
        #expect(a.count == 15)
    }

    @Test func theStateRestoresIntoAFreshAverageAndContinuesTheSame() throws {
        var whole = try WeightAverager(kind: .polyak(start: 2), tensors: Self.slices)
        Self.feed(&whole, steps: 0 ..< 12)
        var first = try WeightAverager(kind: .polyak(start: 2), tensors: Self.slices)
        Self.feed(&first, steps: 0 ..< 5)
        let saved = try JSONDecoder().decode(AveragingState.self, from: JSONEncoder().encode(first.state))
        var second = try WeightAverager(kind: .polyak(start: 2), tensors: Self.slices)
        try second.restore(saved)
        Self.feed(&second, steps: 5 ..< 12)
        #expect(second.values == whole.values && second.count == whole.count)
        #expect(throws: SettingError("cannot restore the average: it has 3 values, the model 1058")) {
            try second.restore(AveragingState(count: 1, values: [1, 2, 3]))
        }
    }

    @Test func aStartInEpochsBecomesStepsAndBadSettingsAreErrors() throws {
        let a = try WeightAverager(.polyak(start: DurationConfig(3, .epochs)), tensors: Self.slices, stepsPerEpoch: 5)
        #expect(a.kind == .polyak(start: 15))
        #expect(throws: SettingError.self) { try WeightAverager(.polyak(start: DurationConfig(1, .epochs)), tensors: Self.slices, stepsPerEpoch: 0) }
        #expect(throws: SettingError.self) { try WeightAverager(kind: .ema(decay: 1.5), tensors: Self.slices) }
    }
}
