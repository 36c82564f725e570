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
    /// Values per channel: height x width (1 for a vector).
    public var spatial: Int { height * width }

    public var description: String { dims.map(String.init).joined(separator: "x") }

    /// The product of `factors`, or nil when it overflows.
    public static func checkedProduct(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            let (r, overflow) = p.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            p = r
        }
        return p
    }

    /// Most values one tensor may hold (2^36, 256 GiB of floats): larger shapes are errors,
    /// which keeps every count and total of the graph far from overflowing.
    public static let maxCount = 1 << 36
    /// Most multiply-adds one node may count (2^44).
    public static let maxMACs = 1 << 44
}
