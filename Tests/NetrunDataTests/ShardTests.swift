import Foundation
import NetrunConfig
import NetrunFormats
import Testing
@testable import NetrunData

/// A data-parallel rank's part of each batch: the ranks' parts, side by side, are the
/// batch one process makes (examples, augmentation and order), and evaluation shards cover
/// the set once.
@Suite struct ShardTests {
    func augmented() throws -> Preprocessing {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: [1, 4, 4], classes: 3, data: "{format: synthetic}",
                           augment: "[random_crop: {size: 4, pad: 1}, mirror: {p: 0.5}]")
        let train = try #require(c.train)
        return try Preprocessing(source: train.data, input: [1, 4, 4], augment: train.augment)
    }

    @Test func rangesSplitATotalIntoNearEqualContiguousParts() {
        #expect((0 ..< 3).map { Shard(index: $0, count: 3).range(of: 10) } == [0 ..< 3, 3 ..< 6, 6 ..< 10])
        #expect((0 ..< 4).map { Shard(index: $0, count: 4).range(of: 2) } == [0 ..< 0, 0 ..< 1, 1 ..< 1, 1 ..< 2])
        #expect(Shard.whole.range(of: 7) == 0 ..< 7)
    }

    @Test func theRanksTrainingShardsMakeTheWholeBatchesOfOneProcess() throws {
        let d = try distinctDataset(count: 26, shape: [1, 4, 4])
        let pre = try augmented()
        let whole = try BatchLoader(dataset: d, preprocessing: pre, batch: 6, shuffle: true, seed: 9, training: true)
        let parts = try (0 ..< 3).map {
            try BatchLoader(dataset: d, preprocessing: pre, batch: 2, shuffle: true, seed: 9, training: true, shard: Shard(index: $0, count: 3))
        }
        #expect(whole.stepsPerEpoch == 4 && parts.allSatisfy { $0.stepsPerEpoch == 4 })
        let w = take(whole, 10), p = parts.map { take($0, 10) }
        for s in 0 ..< 10 {
            #expect(w[s].indices == p.flatMap { $0[s].indices })
            #expect(w[s].images == p.flatMap { $0[s].images })
            #expect(w[s].labels == p.flatMap { $0[s].labels })
            #expect(p.allSatisfy { $0[s].position == w[s].position })
        }
    }

    /// `drop_last: false`: 26 examples at a global batch of 9 over 3 ranks are steps of 9, 9
    /// and 8; the last is split 2 + 3 + 3, and side by side the parts are one process's step.
    /// With 4 ranks and a remainder of 2, two ranks get none.
    @Test func theLastSmallerStepIsSplitIntoNearEqualPartsWithoutDropLast() throws {
        let d = try distinctDataset(count: 26, shape: [1, 4, 4])
        let pre = try augmented()
        let whole = try BatchLoader(dataset: d, preprocessing: pre, batch: 9, shuffle: true, seed: 9, training: true, dropLast: false)
        let parts = try (0 ..< 3).map {
            try BatchLoader(dataset: d, preprocessing: pre, batch: 3, shuffle: true, seed: 9, training: true,
                            shard: Shard(index: $0, count: 3), dropLast: false)
        }
        #expect(whole.stepsPerEpoch == 3 && parts.allSatisfy { $0.stepsPerEpoch == 3 })
        let w = take(whole, 6), p = parts.map { take($0, 6) }
        #expect(p.map { $0[2].count } == [2, 3, 3])
        for s in 0 ..< 6 {
            #expect(w[s].indices == p.flatMap { $0[s].indices })
            #expect(w[s].images == p.flatMap { $0[s].images })
        }
        let four = try (0 ..< 4).map {
            try BatchLoader(dataset: d, preprocessing: pre, batch: 3, shuffle: false, seed: 9, training: true,
                            shard: Shard(index: $0, count: 4), dropLast: false)
        }
        let last = four.map { take($0, 3)[2] }
        #expect(last.map(\.count) == [0, 1, 0, 1])
        #expect(last.flatMap(\.indices) == [24, 25])
        #expect(last[0].images.isEmpty && last[0].shape == [0, 1, 4, 4])
    }

    @Test func resumingAShardGivesWhatItWouldHaveMade() throws {
        let d = try distinctDataset(count: 20, shape: [1, 4, 4])
        let pre = try augmented()
        let shard = Shard(index: 1, count: 2)
        let all = take(try BatchLoader(dataset: d, preprocessing: pre, batch: 3, shuffle: true, seed: 4, training: true, shard: shard), 8)
        let resumed = take(try BatchLoader(dataset: d, preprocessing: pre, batch: 3, shuffle: true, seed: 4, training: true,
                                           start: LoaderPosition(epoch: 1, step: 1), shard: shard), 4)
        #expect(all[4...].map(\.images) == resumed.map(\.images))
        #expect(all[4...].map(\.indices) == resumed.map(\.indices))
    }

    @Test func evaluationShardsReadEveryExampleOnceEvenWhenOneIsEmpty() throws {
        let d = try distinctDataset(count: 11, shape: [1, 4, 4])
        let pre = try augmented()
        for ranks in [1, 2, 3, 12] {
            var seen: [Int] = []
            for r in 0 ..< ranks {
                let l = try BatchLoader(dataset: d, preprocessing: pre, batch: 2, shuffle: true, seed: 1, training: false,
                                        shard: Shard(index: r, count: ranks))
                let batches = take(l)
                #expect(batches.count == l.stepsPerEpoch)
                seen += batches.flatMap(\.indices)
                #expect(l.next() == nil)
            }
            #expect(seen == Array(0 ..< 11), "\(ranks) ranks")
        }
    }

    @Test func aTrainingShardNeedsAWholeGlobalBatch() throws {
        let d = try distinctDataset(count: 5, shape: [1, 4, 4])
        #expect(throws: FileError.self) {
            try BatchLoader(dataset: d, preprocessing: try augmented(), batch: 2, shuffle: true, seed: 1, training: true,
                            shard: Shard(index: 0, count: 3))
        }
    }
}
