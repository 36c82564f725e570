import NetrunConfig

/// A learnable tensor of a node: `conv1.weight`, shape in PyTorch's layout.
public struct Parameter: Hashable, Sendable {
    public var name: String
    public var shape: [Int]
    public var filler: Filler
    /// The layer's `lr_mult` and `decay_mult` for this tensor (Caffe's `param`).
    public var lrMult = 1.0
    public var decayMult = 1.0
    public var count: Int { shape.reduce(1, *) }

    public init(name: String, shape: [Int], filler: Filler) {
        self.name = name
        self.shape = shape
        self.filler = filler
    }
}

/// One compute node of the DAG. Nodes refer to each other by index into `Graph.nodes`.
public struct Node: Hashable, Sendable {
    public typealias ID = Int

    public var id: ID
    public var name: String
    public var op: Op
    public var inputs: [ID]
    /// Per-example output shape (no batch dimension).
    public var shape: TensorShape
    public var parameters: [Parameter]
    /// Multiply-adds for one example's forward pass (convolutions and dense layers).
    public var macs: Int
    /// Only needed by training-only heads: dropped from the inference graph.
    public var trainOnly: Bool
    /// Where the layer was written (its op key).
    public var location: SourceLocation
    /// The block instances this node came from, outermost first.
    public var instances: [BlockInstance]
    /// `freeze: true`: its parameters get no gradient and no update (batch norm normalizes
    /// with its running statistics and leaves them alone).
    public var frozen = false

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}
