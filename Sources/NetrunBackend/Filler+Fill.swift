// The config's fillers, drawn from a small seeded generator.
import Foundation
import NetrunConfig

/// splitmix64 (Steele, Lea, Flood 2014): 64-bit state, passes BigCrush; deterministic
/// everywhere, unlike the system generator.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal (Box-Muller; one value per call, the second one dropped for simplicity).
    mutating func normal() -> Double {
        let u1 = max(unit(), 0x1p-60), u2 = unit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}

extension Filler {
    /// Fills `out`:
    /// - `constant(v)`: v; `gaussian(m, s)`: N(m, s^2); `uniform(a, b)`: U[a, b).
    /// - `xavier`: variance `1/fan`: uniform `±sqrt(3/fan)` or normal with std `sqrt(1/fan)`.
    /// - `msra`: variance `2/fan`: uniform `±sqrt(6/fan)` or normal with std `sqrt(2/fan)`.
    /// fan is fan_in, fan_out or their mean, as PyTorch computes them (ParameterStore.fans).
    func fill(_ out: UnsafeMutableBufferPointer<Float>, fanIn: Int, fanOut: Int, rng: inout SplitMix64) {
        func fan(_ f: Fan) -> Double {
            switch f {
            case .in: return Double(max(fanIn, 1))
            case .out: return Double(max(fanOut, 1))
            case .avg: return Double(max(fanIn + fanOut, 1)) / 2
            }
        }
        func scaled(variance: Double, _ d: Distribution) {
            switch d {
            case .uniform:
                let a = (3 * variance).squareRoot()
                for i in out.indices { out[i] = Float((2 * rng.unit() - 1) * a) }
            case .normal:
                let s = variance.squareRoot()
                for i in out.indices { out[i] = Float(rng.normal() * s) }
            }
        }
        switch self {
        case .constant(let v):
            for i in out.indices { out[i] = Float(v) }
        case .gaussian(let m, let s):
            for i in out.indices { out[i] = Float(m + s * rng.normal()) }
        case .uniform(let lo, let hi):
            for i in out.indices { out[i] = Float(lo + (hi - lo) * rng.unit()) }
        case .xavier(let f, let d):
            scaled(variance: 1 / fan(f), d)
        case .msra(let f, let d):
            scaled(variance: 2 / fan(f), d)
        }
    }
}
