import NetrunFormats

/// Counter-based randomness: every draw is a function of the seed and of counters (the
/// epoch, the example's position in it), never of a generator's history, so batches do not
/// depend on threads, on prefetching, or on where a run was resumed.
///
/// A key is SplitMix64's output chained over the counters; a `SplitMix64` seeded with the key
/// then gives the draws of that one example (or the shuffle of that one epoch).
enum CounterKey {
    /// Domains keep the streams of different uses apart.
    static let shuffle: UInt64 = 0x5348_5546_464C_4531      // "SHUFFLE1"
    static let augment: UInt64 = 0x4155_474D_454E_5431      // "AUGMENT1"
    static let synthetic: UInt64 = 0x5359_4E54_4845_5431    // "SYNTHET1"
    static let mixing: UInt64 = 0x4D49_5849_4E47_5331       // "MIXINGS1"

    static func hash(_ values: UInt64...) -> UInt64 {
        var h: UInt64 = 0x6E65_7472_756E_0000                // "netrun"
        for v in values {
            var g = SplitMix64(seed: h ^ v)
            h = g.next()
        }
        return h
    }

    /// A generator for one example's augmentation draws.
    static func example(seed: Int, epoch: Int, position: Int) -> SplitMix64 {
        SplitMix64(seed: hash(augment, UInt64(bitPattern: Int64(seed)), UInt64(bitPattern: Int64(epoch)), UInt64(bitPattern: Int64(position))))
    }

    /// Uniform in `0 ..< n` (n >= 1): the high word of a 64x64 product (Lemire), bias below 2^-40 for n < 2^24.
    @inline(__always)
    static func below(_ n: UInt64, _ rng: inout SplitMix64) -> Int {
        Int(rng.next().multipliedFullWidth(by: n).high)
    }

    /// Epoch `epoch`'s order of `count` examples: a Fisher-Yates shuffle keyed by (seed, epoch).
    static func permutation(count: Int, seed: Int, epoch: Int) -> [Int] {
        var rng = SplitMix64(seed: hash(shuffle, UInt64(bitPattern: Int64(seed)), UInt64(bitPattern: Int64(epoch))))
        var order = Array(0 ..< count)
        order.withUnsafeMutableBufferPointer { p in
            var i = p.count - 1
            while i > 0 {
                let j = below(UInt64(i + 1), &rng)
                p.swapAt(i, j)
                i -= 1
            }
        }
        return order
    }
}
