// The only file that calls MPI (Open MPI, through CMPI). Collectives are started
// non-blocking and polled, so a rank that stopped answering (a dead host, a cut network)
// ends the job after the timeout instead of hanging it; MPI's errors are returned (not
// fatal inside the library) and become DistributedError naming the rank and operation.
#if NETRUN_MPI
import CMPI
import Foundation

final class MPICommunicator: Communicator {
    let rank: Int
    let size: Int
    /// Seconds a collective may take (0: no limit).
    let timeout: Double
    private let world: MPI_Comm

    init(timeout: Double) throws(DistributedError) {
        var provided: Int32 = 0
        // Only the main thread calls MPI (the data loader's thread never does).
        let started = MPI_Init_thread(nil, nil, netrun_mpi_thread_funneled(), &provided)
        guard started == netrun_mpi_success() else {
            throw DistributedError("MPI_Init_thread failed (\(Self.message(started)))")
        }
        world = netrun_mpi_comm_world()
        self.timeout = timeout
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_set_errhandler(world, netrun_mpi_errors_return())
        MPI_Comm_rank(world, &r)
        MPI_Comm_size(world, &s)
        rank = Int(r)
        size = Int(s)
    }

    func sum(_ values: UnsafeMutablePointer<Float>, count: Int) throws(DistributedError) {
        try chunked(count, what: "all-reduce of \(count) floats") { offset, n, request in
            MPI_Iallreduce(netrun_mpi_in_place(), values + offset, n, netrun_mpi_float(), netrun_mpi_sum(), world, &request)
        }
    }

    func sum(_ values: UnsafeMutablePointer<Double>, count: Int) throws(DistributedError) {
        try chunked(count, what: "all-reduce of \(count) doubles") { offset, n, request in
            MPI_Iallreduce(netrun_mpi_in_place(), values + offset, n, netrun_mpi_double(), netrun_mpi_sum(), world, &request)
        }
    }

    func broadcast(_ bytes: UnsafeMutableRawPointer, count: Int, root: Int) throws(DistributedError) {
        try chunked(count, what: "broadcast of \(count) bytes from rank \(root)") { offset, n, request in
            MPI_Ibcast(bytes + offset, n, netrun_mpi_byte(), Int32(root), world, &request)
        }
    }

    func abort(code: Int32) -> Never {
        MPI_Abort(world, code)
        exit(code)
    }

    func finish() {
        MPI_Finalize()
    }

    /// Runs `start` over pieces of at most 2^30 elements (MPI counts are 32-bit), waiting
    /// for each.
    private func chunked(_ count: Int, what: String,
                         _ start: (_ offset: Int, _ count: Int32, _ request: inout MPI_Request?) -> Int32) throws(DistributedError) {
        let piece = 1 << 30
        var offset = 0
        repeat {
            let n = min(piece, count - offset)
            var request: MPI_Request? = netrun_mpi_request_null()
            try check(start(offset, Int32(n), &request), what)
            try wait(&request, what)
            offset += n
        } while offset < count
    }

    /// Polls `request` until it completes, or throws after `timeout` seconds.
    private func wait(_ request: inout MPI_Request?, _ what: String) throws(DistributedError) {
        let began = DispatchTime.now().uptimeNanoseconds
        let limit = timeout > 0 ? UInt64(timeout * 1e9) : UInt64.max
        var done: Int32 = 0
        var polls = 0
        while true {
            try check(MPI_Test(&request, &done, netrun_mpi_status_ignore()), what)
            if done != 0 { return }
            polls += 1
            // Spin first (a step's all-reduce is short), then let the other threads run.
            if polls > 10_000 { sched_yield() }
            if polls % 1024 == 0 && DispatchTime.now().uptimeNanoseconds - began > limit {
                throw DistributedError("rank \(rank) of \(size): the \(what) waited \(Int(timeout)) s (NETRUN_MPI_TIMEOUT) "
                                       + "for the other ranks: one of them stopped or the network is down")
            }
        }
    }

    private func check(_ code: Int32, _ what: String) throws(DistributedError) {
        guard code != netrun_mpi_success() else { return }
        throw DistributedError("rank \(rank) of \(size): the \(what) failed: \(Self.message(code))")
    }

    private static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var length: Int32 = 0
        guard MPI_Error_string(code, &buffer, &length) == netrun_mpi_success() else { return "MPI error \(code)" }
        return String(decoding: buffer.prefix(Int(max(0, length))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
#endif
