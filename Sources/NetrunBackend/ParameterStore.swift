// The learnable tensors of a graph (and batch norm's running statistics), in one
// contiguous float array, in graph order.
import NetrunKernels
import NetrunConfig
import NetrunFormats
import NetrunGraph

/// Every tensor a graph's nodes own, in node order: `conv1.weight`, `conv1.bias`, ...
/// with PyTorch's shapes (conv `[out, in/groups, kh, kw]`, dense `[out, in]`). Batch norm
/// adds two buffers (not learned) after its parameters: `<node>.running_mean` (0) and
/// `<node>.running_var` (1), as in PyTorch's state dict.
public struct ParameterStore: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// Where the tensor starts in `values`.
        public var offset: Int
        public var count: Int
        public var filler: Filler
        /// False for running statistics: saved and loaded, never given a gradient.
        public var learnable: Bool
        /// The layer's multipliers for this tensor, and whether its layer is frozen.
        public var lrMult = 1.0
        public var decayMult = 1.0
        public var frozen = false
    }

    public private(set) var entries: [Entry] = []
    /// All tensors end to end.
    public var values: [Float]

    /// The tensors of `graph` (training-only heads included), filled with zeros;
    /// call `initialize(seed:)` or `load(path:)` next.
    public init(graph: Graph) {
        entries = Self.layout(graph)
        values = [Float](repeating: 0, count: entries.last.map { $0.offset + $0.count } ?? 0)
    }

    /// The tensors of `graph` and where each starts, without any values. (Shapes are bounded
    /// by the graph's limits, 2^36 values a tensor, so the offsets cannot overflow.)
    static func layout(_ graph: Graph) -> [Entry] {
        var offset = 0
        var entries: [Entry] = []
        func add(_ name: String, _ shape: [Int], _ filler: Filler, learnable: Bool, _ p: Parameter? = nil, frozen: Bool = false) {
            let count = shape.reduce(1, *)
            entries.append(Entry(name: name, shape: shape, offset: offset, count: count, filler: filler, learnable: learnable,
                                 lrMult: p?.lrMult ?? 1, decayMult: p?.decayMult ?? 1, frozen: frozen))
            offset += count
        }
        for node in graph.nodes {
            for p in node.parameters { add(p.name, p.shape, p.filler, learnable: true, p, frozen: node.frozen) }
            if case .batchNorm = node.op {
                let c = node.shape.channels
                add("\(node.name).running_mean", [c], .constant(0), learnable: false)
                add("\(node.name).running_var", [c], .constant(1), learnable: false)
            }
        }
        return entries
    }

    public var count: Int { values.count }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The values of one tensor (a copy).
    public func tensor(_ name: String) -> [Float]? {
        entry(named: name).map { Array(values[$0.offset ..< $0.offset + $0.count]) }
    }

    /// Fills every tensor from its filler with a generator seeded by `seed`; the same
    /// seed gives the same values on any machine.
    public mutating func initialize(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for e in entries {
            let (fanIn, fanOut) = Self.fans(e.shape)
            values.withUnsafeMutableBufferPointer { buffer in
                let out = UnsafeMutableBufferPointer(rebasing: buffer[e.offset ..< e.offset + e.count])
                e.filler.fill(out, fanIn: fanIn, fanOut: fanOut, rng: &rng)
            }
        }
    }

    /// PyTorch's `_calculate_fan_in_and_fan_out`: `fan_in = shape[1] * receptive`,
    /// `fan_out = shape[0] * receptive`, receptive = product of `shape[2...]` (so a
    /// grouped conv's fan_in is `in/groups * kh * kw`). A vector has both fans = its length.
    static func fans(_ shape: [Int]) -> (in: Int, out: Int) {
        guard shape.count >= 2 else { let n = shape.first ?? 1; return (n, n) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }
}
