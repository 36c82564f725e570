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
    /// False for batch norm's running statistics: never given a gradient or updated.
    public var learnable: Bool

    public init(name: String, shape: [Int], offset: Int, count: Int, learnable: Bool) {
        self.name = name
        self.shape = shape
        self.offset = offset
        self.count = count
        self.learnable = learnable
    }

    public init(_ entry: ParameterStore.Entry) {
        self.init(name: entry.name, shape: entry.shape, offset: entry.offset, count: entry.count, learnable: entry.learnable)
    }

    /// Biases and other 1-D tensors (batch norm and scale weights): what `decay_bias: false` exempts.
    public var isVector: Bool { shape.count <= 1 }
}

/// A contiguous range of learnable values with one weight-decay choice: the unit a kernel call covers.
struct ParameterRun: Sendable, Equatable {
    var offset: Int
    var count: Int
    var decayed: Bool
}

enum ParameterLayout {
    /// The buffer's length: the end of the last tensor.
    static func count(_ tensors: [ParameterSlice]) -> Int {
        tensors.map { $0.offset + $0.count }.max() ?? 0
    }

    /// The learnable tensors as maximal contiguous runs of equal decay (one run for a
    /// network without batch norm when every tensor decays).
    static func runs(_ tensors: [ParameterSlice], decayBias: Bool) -> [ParameterRun] {
        var runs: [ParameterRun] = []
        for t in tensors where t.learnable && t.count > 0 {
            let decayed = decayBias || !t.isVector
            if let last = runs.last, last.offset + last.count == t.offset, last.decayed == decayed {
                runs[runs.count - 1].count += t.count
            } else {
                runs.append(ParameterRun(offset: t.offset, count: t.count, decayed: decayed))
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
