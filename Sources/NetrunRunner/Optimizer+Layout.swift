// The parameter buffer as the optimizer and the weight average see it: which tensors
// learn, which take weight decay, and the contiguous runs the kernels sweep.
import NetrunBackend

/// One tensor of the contiguous parameter buffer (`ParameterStore.entries` without fillers).
public struct ParameterSlice: Sendable, Equatable, Codable {
    public var name: String
    public var shape: [Int]
    /// Where the tensor starts in the buffer.
    public var offset: Int
    public var count: Int
    /// False for batch norm's running statistics and a frozen layer's tensors: never updated.
    public var learnable: Bool
    /// The layer's `lr_mult` and `decay_mult` for this tensor.
    public var lrMult: Double
    public var decayMult: Double

    public init(name: String, shape: [Int], offset: Int, count: Int, learnable: Bool, lrMult: Double = 1, decayMult: Double = 1) {
        self.name = name
        self.shape = shape
        self.offset = offset
        self.count = count
        self.learnable = learnable
        self.lrMult = lrMult
        self.decayMult = decayMult
    }

    public init(_ entry: ParameterStore.Entry) {
        self.init(name: entry.name, shape: entry.shape, offset: entry.offset, count: entry.count,
                  learnable: entry.learnable && !entry.frozen, lrMult: entry.lrMult, decayMult: entry.decayMult)
    }

    /// Biases and other 1-D tensors (batch norm and scale weights): what `decay_bias: false` exempts.
    public var isVector: Bool { shape.count <= 1 }
}

/// A contiguous range of learnable values with one learning rate and weight decay (as
/// multiples of the optimizer's): the unit a kernel call covers, a PyTorch parameter group.
struct ParameterRun: Sendable, Equatable {
    var offset: Int
    var count: Int
    /// The weight decay's multiplier: 0 for a vector under `decay_bias: false`, else the
    /// layer's `decay_mult`.
    var decay: Double
    var lrMult: Double

    init(offset: Int, count: Int, decay: Double, lrMult: Double = 1) {
        self.offset = offset
        self.count = count
        self.decay = decay
        self.lrMult = lrMult
    }

    init(offset: Int, count: Int, decayed: Bool) {
        self.init(offset: offset, count: count, decay: decayed ? 1 : 0)
    }
}

enum ParameterLayout {
    /// The buffer's length: the end of the last tensor.
    static func count(_ tensors: [ParameterSlice]) -> Int {
        tensors.map { $0.offset + $0.count }.max() ?? 0
    }

    /// The learnable tensors as maximal contiguous runs of equal decay and rate multipliers
    /// (one run for a network without batch norm when every tensor decays alike).
    static func runs(_ tensors: [ParameterSlice], decayBias: Bool) -> [ParameterRun] {
        var runs: [ParameterRun] = []
        for t in tensors where t.learnable && t.count > 0 {
            let decay = decayBias || !t.isVector ? t.decayMult : 0
            if let last = runs.last, last.offset + last.count == t.offset, last.decay == decay, last.lrMult == t.lrMult {
                runs[runs.count - 1].count += t.count
            } else {
                runs.append(ParameterRun(offset: t.offset, count: t.count, decay: decay, lrMult: t.lrMult))
            }
        }
        return runs
    }

    /// A problem with the tensors' places (negative, overlapping), or nil.
    static func problem(_ tensors: [ParameterSlice]) -> String? {
        var end = 0
        for t in tensors.sorted(by: { $0.offset < $1.offset }) {
            if t.offset < 0 || t.count < 0 { return "tensor '\(t.name)' has a negative offset or count" }
            if t.offset < end { return "tensor '\(t.name)' overlaps the one before it" }
            end = t.offset + t.count
        }
        return nil
    }
}
