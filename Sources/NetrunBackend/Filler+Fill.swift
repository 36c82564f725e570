// The config's fillers, drawn from a small seeded generator.
import Foundation
import NetrunConfig
import NetrunFormats
import NetrunKernels


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
