/// The shape of one example's tensor, without the batch: `[C, H, W]` for images, `[F]` for
/// vectors. Batches add a leading N (NCHW) at run time.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }

    public var rank: Int { dims.count }
    public var count: Int { dims.reduce(1, *) }
    public var isImage: Bool { dims.count == 3 }
    public var channels: Int { dims.first ?? 0 }
    public var height: Int { dims.count == 3 ? dims[1] : 1 }
    public var width: Int { dims.count == 3 ? dims[2] : 1 }

    public var description: String { dims.map(String.init).joined(separator: "x") }
}
