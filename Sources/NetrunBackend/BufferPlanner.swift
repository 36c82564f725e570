// Assigns every tensor of a plan an offset in one block per element type, from the
// tensors' lifetimes: two tensors share memory only if their lifetimes do not overlap.

/// A tensor to place: its size and the steps during which it is alive (both inclusive).
struct Lifetime: Hashable, Sendable {
    var size: Int
    var start: Int
    var end: Int
}

/// Greedy interval packing into reusable slots: tensors are taken in order of their
/// first step; a tensor takes the free slot that fits it most tightly (or grows the
/// largest free slot, or opens a new one). Slots are then laid out end to end.
struct BufferPlanner {
    private(set) var lifetimes: [Lifetime] = []

    /// Registers a tensor; returns its handle for `layout()`.
    mutating func add(size: Int, start: Int, end: Int) -> Int {
        precondition(size >= 0 && start <= end, "BufferPlanner: bad lifetime")
        lifetimes.append(Lifetime(size: size, start: start, end: end))
        return lifetimes.count - 1
    }

    /// Offsets of every tensor (by handle) and the total size of the block.
    func layout() -> (offsets: [Int], total: Int) {
        var slotSize: [Int] = []
        var slotFreeAfter: [Int] = []   // the slot is free for tensors starting after this step
        var slotOf = [Int](repeating: 0, count: lifetimes.count)
        let order = lifetimes.indices.sorted { (lifetimes[$0].start, $0) < (lifetimes[$1].start, $1) }
        for t in order {
            let l = lifetimes[t]
            var best: Int?, largest: Int?
            for s in slotSize.indices where slotFreeAfter[s] < l.start {
                if slotSize[s] >= l.size, best.map({ slotSize[s] < slotSize[$0] }) ?? true { best = s }
                if largest.map({ slotSize[s] > slotSize[$0] }) ?? true { largest = s }
            }
            let s: Int
            if let best { s = best } else if let largest {
                s = largest
                slotSize[s] = l.size
            } else {
                s = slotSize.count
                slotSize.append(l.size)
                slotFreeAfter.append(0)
            }
            slotFreeAfter[s] = l.end
            slotOf[t] = s
        }
        var slotOffset: [Int] = [], total = 0
        for size in slotSize {
            slotOffset.append(total)
            total += (size + 15) & ~15   // 64-byte alignment for 4-byte elements
        }
        return (slotOf.map { slotOffset[$0] }, total)
    }
}
