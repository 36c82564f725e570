import Foundation

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

    /// Bytes in GB (10^9), one decimal.
    static func gigabytes(_ bytes: Int) -> String { String(format: "%.1f GB", Double(bytes) / 1e9) }
}
