import NetrunFormats
import Foundation
import NetrunConfig

/// Where a loader is: the batch `step` of `epoch` (both from 0) is the next one it returns.
/// Saving it with a checkpoint and passing it back as `start` resumes exactly.
public struct LoaderPosition: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var epoch: Int
    public var step: Int

    public init(epoch: Int = 0, step: Int = 0) {
        self.epoch = epoch
        self.step = step
    }

    public var description: String { "epoch \(epoch), step \(step)" }
}

/// A process's part of the data when several train together: `index` of `count`.
public struct Shard: Sendable, Equatable, Hashable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public static let whole = Shard(index: 0, count: 1)

    /// The `index`-th of `count` near-equal contiguous parts of `0..<total`.
    public func range(of total: Int) -> Range<Int> {
        total * index / count ..< total * (index + 1) / count
    }
}

/// One batch: `count` examples, each as `views` consecutive `C x H x W` float32 images
/// (NCHW, `count * views` images in all), and one label per example.
public struct Batch: Sendable {
    /// `(count * views) x C x H x W`.
    public var images: [Float]
    /// `count` labels.
    public var labels: [Int32]
    /// The examples' indices in the dataset.
    public var indices: [Int]
    /// `[count * views, C, H, W]`.
    public var shape: [Int]
    /// 1, or 10 for ten-crop evaluation.
    public var views: Int
    /// The batch's place: `epoch` and `step` within it.
    public var position: LoaderPosition

    public var count: Int { labels.count }
}

/// Batches of a dataset, prepared ahead of compute on the loader's own thread.
///
/// - Training: the epoch's order is a permutation drawn from (seed, epoch) (or the stored
///   order with `shuffle: false`); with `dropLast` only full batches are made,
///   `stepsPerEpoch = N / batch` (the remainder of each epoch is left out, like PyTorch's
///   `drop_last=True`), without it the epoch ends with one smaller batch of the remainder
///   (`ceil(N / batch)` steps); epochs follow one another without end. The augmentation
///   of the example at position `i` of epoch `e` draws from a generator keyed by (seed, e,
///   i) alone.
/// - Evaluation: every example once, in stored order, the last batch possibly smaller;
///   `next()` returns nil after it.
///
/// So batch (e, s) is a pure function of the dataset, the preprocessing, the seed and
/// (e, s): the same with or without prefetching, whatever the threads' timing, and after a
/// resume from `start: (e, s)`.
///
/// The thread stops when the loader is closed or deinitialized (`close()` waits for it).
public final class BatchLoader {
    public let batchSize: Int
    public let stepsPerEpoch: Int
    public let training: Bool
    /// The position of the batch the next call to `next()` returns.
    public private(set) var position: LoaderPosition

    private let producer: Producer
    private let channel: Channel?
    /// The synchronous path's permutation cache (prefetch 0).
    private var order: (epoch: Int, indices: [Int])?
    private var isClosed = false

    /// - `prefetch`: batches prepared ahead on the loader's thread (0: none, no thread; `next()` computes).
    /// - `shard`: this process's part when several train together (MPI ranks). Training: a
    ///   step's batch is `batch * shard.count` examples of the epoch's order, of which this
    ///   loader makes the `shard.index`-th `batch` (of a last, smaller step, the
    ///   `shard.index`-th of `shard.count` near-equal parts, possibly empty); evaluation: the
    ///   `shard.index`-th of `shard.count` near-equal contiguous parts of the set.
    /// - `dropLast`: training makes only full steps (see above).
    public init(dataset: Dataset, preprocessing: Preprocessing, batch: Int, shuffle: Bool, seed: Int, training: Bool,
                start: LoaderPosition = LoaderPosition(), prefetch: Int = 2, shard: Shard = .whole, dropLast: Bool = true) throws(FileError) {
        guard batch >= 1 else { throw FileError(path: dataset.origin, kind: .setting, message: "batch must be at least 1, found \(batch)") }
        precondition(shard.count >= 1 && (0 ..< shard.count).contains(shard.index), "BatchLoader: shard out of range")
        let part = shard.range(of: dataset.count)
        let global = batch * shard.count
        let steps = training ? DataSource.stepsPerEpoch(examples: dataset.count, batch: global, dropLast: dropLast)
                             : DataSource.stepsPerEpoch(examples: part.count, batch: batch, dropLast: false)
        guard steps >= 1 || (!training && shard.count > 1) else {
            throw FileError(path: dataset.origin, kind: .setting, message: "has \(dataset.count) examples, fewer than one training batch of \(batch)")
        }
        guard start.epoch >= 0, start.step >= 0, start.step < max(steps, 1), training || start.epoch == 0 else {
            throw FileError(path: dataset.origin, kind: .setting,
                            message: "cannot start at \(start): an epoch has \(steps) steps\(training ? "" : " and evaluation has one epoch")")
        }
        let renderer = try Renderer(preprocessing, dataset: dataset, training: training)
        guard let values = checkedProduct([batch, preprocessing.evaluationViews, renderer.viewSize]), values <= maximumPixelValues else {
            throw FileError(path: dataset.origin, kind: .setting, message: "a batch of \(batch) x \(shapeText(preprocessing.input)) is more than \(maximumPixelValues) values")
        }
        producer = Producer(dataset: dataset, renderer: renderer, batch: batch, steps: steps, shuffle: training && shuffle, seed: seed, training: training,
                            base: training ? shard.index * batch : part.lowerBound, stride: training ? global : batch,
                            end: training ? dataset.count : part.upperBound, shard: training ? shard : .whole)
        batchSize = batch
        stepsPerEpoch = steps
        self.training = training
        position = start
        if prefetch > 0 {
            let channel = Channel(capacity: prefetch)
            self.channel = channel
            let producer = self.producer
            let thread = Thread { producer.run(from: start, into: channel) }
            thread.name = "netrun data loader"
            thread.start()
        } else {
            channel = nil
        }
    }

    deinit { close() }

    /// The next batch; nil after the last evaluation batch, or once closed.
    public func next() -> Batch? {
        let batch: Batch?
        if isClosed {
            batch = nil
        } else if let channel {
            batch = channel.take()
        } else if !training && position.step >= stepsPerEpoch {
            batch = nil
        } else {
            if order?.epoch != position.epoch { order = (position.epoch, producer.order(epoch: position.epoch)) }
            batch = producer.batch(at: position, order: order?.indices ?? [])
        }
        if let batch { position = producer.after(batch.position) }
        return batch
    }

    /// Stops the loader's thread and waits for it; `next()` returns nil afterwards. Idempotent.
    public func close() {
        isClosed = true
        channel?.close()
    }

    /// The stepping rule and the batch maker, shared by the thread and the synchronous path.
    struct Producer: Sendable {
        let dataset: Dataset
        let renderer: Renderer
        let batch: Int
        let steps: Int
        let shuffle: Bool
        let seed: Int
        let training: Bool
        /// Batch `s` of an epoch starts at position `base + s * stride` of the epoch's order
        /// and ends before `end`.
        let base: Int
        let stride: Int
        let end: Int
        /// Training: this process's part of each step (a last, smaller step is split evenly).
        let shard: Shard

        func after(_ p: LoaderPosition) -> LoaderPosition {
            training && p.step + 1 == steps ? LoaderPosition(epoch: p.epoch + 1, step: 0) : LoaderPosition(epoch: p.epoch, step: p.step + 1)
        }

        func order(epoch: Int) -> [Int] {
            shuffle ? CounterKey.permutation(count: dataset.count, seed: seed, epoch: epoch) : []
        }

        /// Batch `p`; `order` is the epoch's permutation (empty: stored order).
        func batch(at p: LoaderPosition, order: [Int]) -> Batch {
            var first = base + p.step * stride
            var count = min(batch, end - first)
            let stepStart = p.step * stride
            if training && end - stepStart < stride {
                // The epoch's last, smaller step: near-equal parts over the processes.
                let part = shard.range(of: end - stepStart)
                first = stepStart + part.lowerBound
                count = part.count
            }
            let indices = (first ..< first + count).map { order.isEmpty ? $0 : order[$0] }
            let fixed = training ? [] : renderer.evaluationViews()
            let views = training ? 1 : fixed.count
            let size = renderer.viewSize
            var images = [Float](repeating: 0, count: count * views * size)
            renderer.bias.withUnsafeBufferPointer { bias in
                images.withUnsafeMutableBufferPointer { out in
                    guard let base = out.baseAddress else { return }
                    func fill<P: PixelValue>(_ src: UnsafeBufferPointer<P>) {
                        for (i, e) in indices.enumerated() {
                            if training {
                                var rng = CounterKey.example(seed: seed, epoch: p.epoch, position: first + i)
                                renderer.render(src, example: e, view: renderer.trainingView(&rng), bias: bias, into: base + i * size)
                            } else {
                                for (k, v) in fixed.enumerated() {
                                    renderer.render(src, example: e, view: v, bias: bias, into: base + (i * views + k) * size)
                                }
                            }
                        }
                    }
                    switch dataset.pixels {
                    case .bytes(let b): b.withUnsafeBufferPointer { fill($0) }
                    case .floats(let f): f.withUnsafeBufferPointer { fill($0) }
                    }
                }
            }
            return Batch(images: images, labels: indices.map { dataset.labels[$0] }, indices: indices,
                         shape: [count * views] + renderer.input, views: views, position: p)
        }

        /// The thread's loop: batches from `start` on, until the channel is closed (or evaluation ends).
        func run(from start: LoaderPosition, into channel: Channel) {
            var p = start
            var order = (epoch: -1, indices: [Int]())
            while training || p.step < steps {
                if order.epoch != p.epoch { order = (p.epoch, self.order(epoch: p.epoch)) }
                guard channel.put(batch(at: p, order: order.indices)) else { break }
                p = after(p)
            }
            channel.finish()
        }
    }

    /// The bounded queue between the loader's thread and `next()`.
    ///
    /// `@unchecked Sendable`: every mutable field is read and written only with `condition`
    /// locked.
    final class Channel: @unchecked Sendable {
        private let condition = NSCondition()
        private let capacity: Int
        private var queue: [Batch] = []
        private var closed = false
        /// The producer has made its last batch (evaluation) or stopped.
        private var finished = false

        init(capacity: Int) { self.capacity = capacity }

        /// Blocks while the queue is full; false once closed (the batch is dropped).
        func put(_ batch: Batch) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while queue.count >= capacity && !closed { condition.wait() }
            guard !closed else { return false }
            queue.append(batch)
            condition.broadcast()
            return true
        }

        /// Blocks until a batch is ready; nil once closed, or when the producer has finished and the queue is empty.
        func take() -> Batch? {
            condition.lock()
            defer { condition.unlock() }
            while queue.isEmpty && !finished && !closed { condition.wait() }
            guard !closed, !queue.isEmpty else { return nil }
            condition.broadcast()
            return queue.removeFirst()
        }

        func finish() {
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }

        /// Wakes the producer, makes it stop, and waits until it has.
        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            while !finished { condition.wait() }
            queue.removeAll()
            condition.unlock()
        }
    }
}
