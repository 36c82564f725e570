// The one mutable storage class of the backend: a block of memory allocated once per
// plan (graph and batch size) and freed with it.

/// A fixed block of `count` zero-initialised elements.
///
/// `@unchecked Sendable` invariant: the block never moves or grows after `init`, and it
/// is written only by the executor that owns it, one step at a time; within a step the
/// kernels' parallel parts write disjoint ranges (see NetrunKernels/Parallel.swift).
public final class TensorStorage<Element: BitwiseCopyable>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    public let count: Int

    public init(count: Int, zero: Element) {
        self.count = count
        // Never a zero-sized allocation, so `base` is always a valid pointer.
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: zero, count: max(count, 1))
    }

    deinit { base.deallocate() }

    /// A copy of `range` (for reading results out).
    public func copy(_ range: Range<Int>) -> [Element] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "TensorStorage: range outside the block")
        return Array(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }
}
