// How netrun's kernels use the cores.
//
// Decision: kernels split their own work into `threads` contiguous parts run
// with DispatchQueue.concurrentPerform, and OpenBLAS stays single-threaded
// inside (GEMM.threadCount = 1). Convolution splits the batch (each part has its
// own im2col buffer and, in backward, its own weight-gradient partial summed at
// the end); dense layers split the weight's rows or columns; pooling, LRN, batch
// norm and elementwise loops split planes, images, channels or ranges. Never
// both levels at once.
//
// Why (KernelBenchmarks, release, 2 cores shared with two other builds, so
// noisy; conv fwd+bwd incl. dInput, GFLOP/s = 6 * multiply-adds / time):
//   AlexNet conv2 N=16 (96->256 5x5 g2 27x27): batch split 2 x BLAS 1 reaches
//   108-111 GFLOP/s, BLAS 2 threads 76-112, one core 69-70; under load the
//   split falls back to about one core's speed while OpenBLAS threading drops
//   below it (median 31-62), because its threads wait on each other.
//   AlexNet conv1 N=16: split 80-95, BLAS 2 57-89, one core 59-66.
//   GoogLeNet 3a 3x3 N=16: split 146, BLAS 2 101, one core 74 (quiet run).
//   GoogLeNet 4a 1x1 N=16: split 122, BLAS 2 117, one core 79 (quiet run).
//   AlexNet fc6 N=64 (9216->4096): weight split 72, BLAS 2 62-70, one core 56-60.
// PyTorch 2.15 CPU with 2 threads on the same cases: conv2 52-58, conv1 25,
// 3a 42, 4a 15, fc6 25 GFLOP/s (.ci/bench-kernels-torch.py).
import CNetrunKernels
import Dispatch
import Foundation

public enum Parallel {
    /// The default `threads`, fixed at start-up: `NETRUN_THREADS` when it is set (and valid;
    /// the CLI refuses an invalid one before any work), else `availableProcessors`.
    public static let processorCount: Int = {
        if case .success(let n?) = threadSetting(ProcessInfo.processInfo.environment) { return n }
        return availableProcessors
    }()

    /// The CPUs this process may run on: its affinity mask (taskset, a container's cpuset, a
    /// rank that mpirun bound to one core), at least 1. Foundation's activeProcessorCount
    /// counts every online CPU, whatever the mask.
    public static var availableProcessors: Int {
        let allowed = Int(netrun_cpus_allowed())
        return allowed > 0 ? allowed : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    public struct ThreadSettingError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// `NETRUN_THREADS` in `environment`: nil when unset, else a whole number from 1 to 1024.
    public static func threadSetting(_ environment: [String: String]) -> Result<Int?, ThreadSettingError> {
        guard let text = environment["NETRUN_THREADS"] else { return .success(nil) }
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (1 ... 1024).contains(n) else {
            return .failure(ThreadSettingError(description: "NETRUN_THREADS=\(text): expected the number of threads, a whole number from 1 to 1024"))
        }
        return .success(n)
    }

    /// The parts a batch of `count` examples is cut into where the training step's arithmetic
    /// depends on how the batch is held: `min(threads, count)` contiguous ranges
    /// (`range(part:of:count:)`). Convolution and dense layers make their matrix products per
    /// part (a dense layer also per fixed chunk of its columns, Dense.swift); backward sums the
    /// weight and bias gradients within each part, in example order, then adds the parts in
    /// part order with netrun's own additions (never a BLAS beta 1 across parts). So two MPI
    /// ranks of one thread each, holding the two halves of a batch, make the same calls on the
    /// same values as one process with two threads, and their all-reduce is its last addition:
    /// the weights come out bitwise equal (DistributedTrainTests). What that rests on:
    /// - a BLAS call's result is a function of its arguments' values and shapes (sizes,
    ///   transposes, leading dimensions, alpha, beta), not of where they lie in memory nor of
    ///   calls on other threads: OpenBLAS single-threaded (GEMM.threadCount = 1) packs its
    ///   operands into its own buffers. Whatever kernel it picks by size, the rank and the
    ///   process pick it alike, because their calls are identical;
    /// - every other decomposition in the step (elementwise loops, pooling, LRN, softmax, the
    ///   optimizer) gives each element the same operations whatever range it falls in (their
    ///   vector tails are masked vector operations, not scalar ones), and reductions run over
    ///   the same ranges (an image's plane, a part's images);
    /// - the ranks' gradients, each scaled by 1/(batch/2) in the loss and then averaged by 1/2,
    ///   are the process's scaled by 1/batch: scaling by two is exact;
    /// - MPI's sum of two floats is one addition. With more ranks the order of MPI's reduction
    ///   is its own, and 1/ranks is exact only for powers of two: the bitwise claim is made for
    ///   two ranks; more agree to rounding. Ranks of t > 1 threads make the process's products
    ///   too, but add their parts as (P0 + P1) + (P2 + P3) where it adds ((P0 + P1) + P2) + P3.
    /// Batch norm is outside it: each rank normalizes with its own part's statistics (as
    /// PyTorch's DDP without SyncBatchNorm), which is another computation, not another rounding.
    @inlinable
    public static func batchParts(_ count: Int, threads: Int) -> Int { max(1, min(threads, count)) }

    /// Below this many elements, an elementwise loop runs on the calling thread.
    public static let elementwiseGrain = 1 << 16

    /// Part `part` of `0..<count` cut into `parts` near-equal contiguous ranges.
    @inlinable
    public static func range(part: Int, of parts: Int, count: Int) -> Range<Int> {
        let base = count / parts, extra = count % parts
        let lower = part * base + min(part, extra)
        return lower ..< lower + base + (part < extra ? 1 : 0)
    }

    /// Runs `body(part, range)` for `parts = min(threads, count)` contiguous
    /// ranges of `0..<count`, concurrently when there is more than one part.
    /// Returns the number of parts used. Ranges are never empty.
    @discardableResult
    public static func forEachPart(
        count: Int, threads: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void
    ) -> Int {
        let parts = max(1, min(threads, count))
        if count <= 0 { return 0 }
        if parts == 1 {
            body(0, 0 ..< count)
        } else {
            // concurrentPerform wants a @Sendable closure; the kernels' bodies
            // capture raw pointers. Sound because concurrentPerform returns only
            // after every part ran, and each kernel's parts write disjoint memory.
            withoutActuallyEscaping(body) { escaping in
                let box = UncheckedSendable(escaping)
                DispatchQueue.concurrentPerform(iterations: parts) { p in
                    box.value(p, range(part: p, of: parts, count: count))
                }
            }
        }
        return parts
    }

    /// Threads worth using for an elementwise loop of `count` elements.
    @inlinable
    public static func elementwiseThreads(_ count: Int, _ threads: Int) -> Int {
        max(1, min(threads, count / elementwiseGrain))
    }
}

/// Carries a non-Sendable value into a @Sendable closure; see forEachPart.
@usableFromInline
struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
