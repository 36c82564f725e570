import Foundation
import NetrunBackend
import NetrunGraph
import NetrunRunner

/// Refuses work that would need more memory than the machine has, before allocating it.
enum MemoryCheck {
    static var physicalBytes: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }

    /// A usage error when `bytes` (nil: more than `Int.max`, the size overflowed) exceeds
    /// the physical memory; `what` says what needs it, e.g. "--batch 100000000".
    static func check(_ bytes: Int?, for what: String) -> String? {
        let available = physicalBytes
        if let bytes, bytes <= available { return nil }
        let need = bytes.map { gigabytes($0) } ?? "more than \(gigabytes(Int.max))"
        return "error: \(what) needs \(need) of memory, more than this machine's \(gigabytes(available)) (physical memory)"
    }

    /// `train`'s check, of the need the runner computes (`Trainer.memoryNeed`: `ranksHere`
    /// times one rank's plan). Nil (nothing to refuse here) when the batch does not split
    /// evenly: the trainer refuses that with its own message.
    static func training(graph: Graph, batch: Int, accumulate: Int = 1, ranks: Int, ranksHere: Int) -> String? {
        guard let need = Trainer.memoryNeed(graph: graph, batch: batch, accumulate: accumulate, ranks: ranks, ranksHere: ranksHere) else {
            return nil
        }
        return check(need.bytes, for: need.what)
    }

    /// The ranks of this job that run on this machine: what the MPI launcher says (Open MPI's
    /// OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's MPI_LOCALNRANKS), else all `ranks` (the cautious guess).
    static func ranksOnThisMachine(ranks: Int, environment: [String: String]) -> Int {
        for key in ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"] {
            if let text = environment[key], let n = Int(text), n >= 1 { return min(n, ranks) }
        }
        return ranks
    }

    /// Bytes in GB (10^9), one decimal.
    static func gigabytes(_ bytes: Int) -> String { String(format: "%.1f GB", Double(bytes) / 1e9) }
}
