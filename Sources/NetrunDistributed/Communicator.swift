// The processes that train one model together, behind the few collective operations
// data-parallel training needs. One process (no mpirun) is `SingleProcess`, whose
// operations do nothing; under mpirun it is MPI's world (MPICommunicator.swift, the only
// file that calls MPI).
import Foundation

/// A failed or timed-out collective operation, or an MPI that cannot start. The
/// description names the rank and the operation.
public struct DistributedError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// The ranks of one job. Every rank calls the same collective operations in the same order
/// (the training loop's steps are the same on every rank); each returns when every rank has
/// taken part, or throws when that does not happen within the timeout.
public protocol Communicator: AnyObject {
    /// This process's index, from 0.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `values` on every rank by their element-wise sum over the ranks.
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int) throws(DistributedError)
    func sum(_ values: UnsafeMutablePointer<Double>, count: Int) throws(DistributedError)
    /// Every rank's `count` bytes become `root`'s.
    func broadcast(_ bytes: UnsafeMutableRawPointer, count: Int, root: Int) throws(DistributedError)
    /// Ends every process of the job with `code` (the caller has printed why).
    func abort(code: Int32) -> Never
    /// Called once, when the process is done with the others (a successful end).
    func finish()
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }

    /// Replaces `values` by their mean over the ranks.
    public func average(_ values: UnsafeMutablePointer<Float>, count: Int) throws(DistributedError) {
        guard size > 1 else { return }
        try sum(values, count: count)
        let scale = 1 / Float(size)
        for i in 0 ..< count { values[i] *= scale }
    }

    /// The sums over the ranks of `values`.
    public func sum(_ values: [Double]) throws(DistributedError) -> [Double] {
        guard size > 1 else { return values }
        var v = values
        try v.withUnsafeMutableBufferPointer { (b: inout UnsafeMutableBufferPointer<Double>) throws(DistributedError) in
            if let base = b.baseAddress { try sum(base, count: b.count) }
        }
        return v
    }

    /// `root`'s floats on every rank (every rank's array has the same count).
    public func broadcast(_ values: inout [Float], root: Int = 0) throws(DistributedError) {
        guard size > 1 else { return }
        try values.withUnsafeMutableBufferPointer { (b: inout UnsafeMutableBufferPointer<Float>) throws(DistributedError) in
            if let base = b.baseAddress { try broadcast(base, count: b.count * MemoryLayout<Float>.stride, root: root) }
        }
    }

    /// `root`'s bytes on every rank (its length first, so the others need not know it).
    public func broadcast(_ data: Data, root: Int = 0) throws(DistributedError) -> Data {
        guard size > 1 else { return data }
        var length = Int64(data.count)
        try withUnsafeMutableBytes(of: &length) { (b: UnsafeMutableRawBufferPointer) throws(DistributedError) in
            if let base = b.baseAddress { try broadcast(base, count: b.count, root: root) }
        }
        guard length >= 0 && length <= Int64(Int.max) else { throw DistributedError("rank \(rank): a broadcast of \(length) bytes") }
        var bytes = rank == root ? [UInt8](data) : [UInt8](repeating: 0, count: Int(length))
        try bytes.withUnsafeMutableBufferPointer { (b: inout UnsafeMutableBufferPointer<UInt8>) throws(DistributedError) in
            if let base = b.baseAddress { try broadcast(base, count: b.count, root: root) }
        }
        return Data(bytes)
    }
}

/// One process: nothing to exchange.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {}
    public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {}
    public func broadcast(_ bytes: UnsafeMutableRawPointer, count: Int, root: Int) {}
    public func abort(code: Int32) -> Never { exit(code) }
    public func finish() {}
}

public enum Distributed {
    /// Whether this netrun was built with MPI (Open MPI's pkg-config file was found; see
    /// Package.swift).
    public static var isAvailable: Bool {
        #if NETRUN_MPI
        true
        #else
        false
        #endif
    }

    /// Whether mpirun (or another MPI launcher) started this process: the launcher's
    /// environment names the job's size.
    public static func launchedByMPI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// Seconds a collective operation may wait for the other ranks before the job is
    /// ended: `NETRUN_MPI_TIMEOUT` (0: no limit), else 300.
    public static func timeout(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(DistributedError) -> Double {
        guard let text = environment["NETRUN_MPI_TIMEOUT"] else { return 300 }
        guard let v = Double(text), v >= 0, v.isFinite else {
            throw DistributedError("NETRUN_MPI_TIMEOUT=\(text): expected a number of seconds (0: no limit)")
        }
        return v
    }

    /// This process's communicator: MPI's world when an MPI launcher started it, else one
    /// process. MPI is initialized only then, so a single process needs no MPI at run time.
    public static func start(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(DistributedError) -> any Communicator {
        guard launchedByMPI(environment) else { return SingleProcess() }
        #if NETRUN_MPI
        return try MPICommunicator(timeout: timeout(environment))
        #else
        throw DistributedError("this netrun was built without MPI (Open MPI's ompi-c.pc was not found at build time): "
                               + "install libopenmpi-dev and rebuild to train under mpirun")
        #endif
    }
}
