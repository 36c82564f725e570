import Foundation
import NetrunConfig
import Testing
@testable import NetrunData

@Suite struct BatchLoaderTests {
    /// Preprocessing with random crops, mirrors and a normalization, so every batch exercises the generator.
    func augmented(_ input: [Int] = [1, 4, 4]) throws -> Preprocessing {
        let dir = try temporaryDirectory()
        let c = try config(dir, input: input, classes: 3, data: "{format: synthetic, scale: 3, mean: 1, std: 2}",
                           augment: "[random_crop: {size: \(input[1]), pad: 1}, mirror: {p: 0.5}]")
        let train = try #require(c.train)
        return try Preprocessing(source: train.data, input: input, augment: train.augment)
    }

    func loader(_ d: Dataset, batch: Int = 3, seed: Int = 11, start: LoaderPosition = LoaderPosition(), prefetch: Int = 2,
                shuffle: Bool = true) throws -> BatchLoader {
        try BatchLoader(dataset: d, preprocessing: try augmented(), batch: batch, shuffle: shuffle, seed: seed, training: true, start: start, prefetch: prefetch)
    }

    @Test func trainingDropsTheLastPartialBatchAndShufflesEachEpochDifferently() throws {
        let d = try distinctDataset(count: 10, shape: [1, 4, 4])
        let l = try loader(d)
        #expect(l.stepsPerEpoch == 3)
        let batches = take(l, 9)
        #expect(batches.map(\.position) == (0 ..< 3).flatMap { e in (0 ..< 3).map { LoaderPosition(epoch: e, step: $0) } })
        #expect(batches.allSatisfy { $0.count == 3 && $0.shape == [3, 1, 4, 4] })
        let epochs = (0 ..< 3).map { e in batches[3 * e ..< 3 * e + 3].flatMap(\.indices) }
        for order in epochs { #expect(Set(order).count == 9 && order.allSatisfy { (0 ..< 10).contains($0) }) }
        #expect(epochs[0] != epochs[1] && epochs[1] != epochs[2])
        #expect(batches[0].labels == batches[0].indices.map { Int32($0 % 3) })
        #expect(l.position == LoaderPosition(epoch: 3, step: 0))
    }

    @Test func withoutDropLastEachEpochEndsWithTheRemainderAndCoversEveryExample() throws {
        let d = try distinctDataset(count: 10, shape: [1, 4, 4])
        let l = try BatchLoader(dataset: d, preprocessing: try augmented(), batch: 4, shuffle: true, seed: 11, training: true, dropLast: false)
        #expect(l.stepsPerEpoch == 3)
        let batches = take(l, 6)
        #expect(batches.map(\.count) == [4, 4, 2, 4, 4, 2])
        #expect(batches[2].shape == [2, 1, 4, 4] && batches[2].images.count == 2 * 16)
        #expect(batches.map(\.position) == (0 ..< 2).flatMap { e in (0 ..< 3).map { LoaderPosition(epoch: e, step: $0) } })
        for e in 0 ..< 2 { #expect(batches[3 * e ..< 3 * e + 3].flatMap(\.indices).sorted() == Array(0 ..< 10)) }
        // The full steps are those of drop_last: true (the same order and augmentation).
        let dropping = take(try BatchLoader(dataset: d, preprocessing: try augmented(), batch: 4, shuffle: true, seed: 11, training: true), 2)
        #expect(dropping.map(\.images) == batches[0 ..< 2].map(\.images))
        #expect(l.position == LoaderPosition(epoch: 2, step: 0))
    }

    @Test func withoutShuffleEveryEpochIsTheStoredOrder() throws {
        let d = try distinctDataset(count: 7, shape: [1, 4, 4])
        let batches = take(try loader(d, batch: 2, shuffle: false), 6)
        #expect(batches.map(\.indices) == [[0, 1], [2, 3], [4, 5], [0, 1], [2, 3], [4, 5]])
    }

    @Test func evaluationReadsEveryExampleOnceInOrderWithASmallerLastBatch() throws {
        let d = try distinctDataset(count: 10, shape: [1, 4, 4])
        let l = try BatchLoader(dataset: d, preprocessing: try augmented(), batch: 4, shuffle: true, seed: 3, training: false)
        #expect(l.stepsPerEpoch == 3)
        let batches = take(l)
        #expect(batches.map(\.indices) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(batches.last?.shape == [2, 1, 4, 4])
        #expect(l.next() == nil)
    }

    @Test func theSameSeedGivesTheSameBatchesAndAnotherSeedOthers() throws {
        let d = try distinctDataset(count: 12, shape: [1, 4, 4])
        let a = take(try loader(d, seed: 5), 10), b = take(try loader(d, seed: 5), 10), c = take(try loader(d, seed: 6), 10)
        #expect(a.map(\.images) == b.map(\.images))
        #expect(a.map(\.labels) == b.map(\.labels))
        #expect(a.map(\.images) != c.map(\.images))
        #expect(a.map(\.indices) != c.map(\.indices))
    }

    @Test func resumingAtAPositionGivesWhatAnUninterruptedRunWould() throws {
        let d = try distinctDataset(count: 11, shape: [1, 4, 4])
        let whole = take(try loader(d), 12)
        let first = try loader(d)
        _ = take(first, 5)
        let saved = first.position
        #expect(saved == LoaderPosition(epoch: 1, step: 2))
        first.close()
        let resumed = take(try loader(d, start: saved), 7)
        #expect(resumed.map(\.position) == whole[5...].map(\.position))
        #expect(resumed.map(\.images) == whole[5...].map(\.images))
        #expect(resumed.map(\.indices) == whole[5...].map(\.indices))
    }

    @Test func prefetchingAndTheConsumersTimingChangeNothing() throws {
        let d = try distinctDataset(count: 9, shape: [1, 4, 4])
        let direct = take(try loader(d, prefetch: 0), 8)
        let ahead = try loader(d, prefetch: 3)
        var slow: [Batch] = []
        for i in 0 ..< 8 {
            if i % 3 == 0 { Thread.sleep(forTimeInterval: 0.02) }
            slow.append(try #require(ahead.next()))
        }
        #expect(direct.map(\.images) == slow.map(\.images))
        #expect(direct.map(\.position) == slow.map(\.position))
    }

    @Test(.timeLimit(.minutes(1))) func closingOrDroppingTheLoaderStopsItsThread() throws {
        let d = try distinctDataset(count: 9, shape: [1, 4, 4])
        let l = try loader(d, prefetch: 2)
        #expect(l.next() != nil)
        Thread.sleep(forTimeInterval: 0.05)      // the thread is now blocked on a full queue
        l.close()
        #expect(l.next() == nil)
        l.close()
        // Dropped without close: deinit stops the thread (the test would hang otherwise).
        for _ in 0 ..< 20 {
            let dropped = try loader(d, prefetch: 1)
            _ = dropped.next()
        }
        let sync = try loader(d, prefetch: 0)
        sync.close()
        #expect(sync.next() == nil)
    }

    @Test func impossibleStartsAndBatchesAreErrorsNamingTheData() throws {
        let d = try distinctDataset(count: 5, shape: [1, 4, 4])
        let big = try #require(dataError { _ = try loader(d, batch: 6) })
        #expect(big.description == "distinct: error: has 5 examples, fewer than one training batch of 6")
        let late = try #require(dataError { _ = try loader(d, batch: 2, start: LoaderPosition(epoch: 0, step: 2)) })
        #expect(late.message == "cannot start at epoch 0, step 2: an epoch has 2 steps")
        let pre = try augmented()
        let eval = try #require(dataError { _ = try BatchLoader(dataset: d, preprocessing: pre, batch: 2, shuffle: false, seed: 0, training: false, start: LoaderPosition(epoch: 1, step: 0)) })
        #expect(eval.kind == .setting)
    }

    @Test func sizesBeyondMemoryAreRefusedBeforeAllocating() throws {
        let e = try #require(dataError { _ = try Dataset.synthetic(samples: 100_000_000, shape: [3, 4096, 4096], classes: 2, seed: 0) })
        #expect(e.kind == .setting)
        let dir = try temporaryDirectory()
        let data = try source(dir, input: [1, 2, 2], classes: 2, data: "{format: synthetic}")
        let huge = try #require(dataError { _ = try Preprocessing(source: data, input: [1 << 24, 1 << 24, 1 << 24]) })
        #expect(huge.message.contains("too large"))
    }

    @Test func syntheticDataComesFromTheSeed() throws {
        let a = try Dataset.synthetic(samples: 50, shape: [3, 4, 4], classes: 7, seed: 1)
        let b = try Dataset.synthetic(samples: 50, shape: [3, 4, 4], classes: 7, seed: 1)
        let c = try Dataset.synthetic(samples: 50, shape: [3, 4, 4], classes: 7, seed: 2)
        #expect(a.pixels == b.pixels && a.labels == b.labels)
        #expect(a.pixels != c.pixels)
        #expect(a.labels.allSatisfy { (0 ..< 7).contains($0) } && Set(a.labels).count > 3)
        #expect(a.pixels.count == 50 * 48)
        let dir = try temporaryDirectory()
        let s = try source(dir, input: [3, 4, 4], classes: 7, data: "{format: synthetic, samples: 20}")
        let opened = try Dataset.open(s, classes: 7, input: [3, 4, 4], seed: 1)
        #expect(opened.count == 20 && opened.shape == [3, 4, 4])
    }
}
