import Foundation

/// A fuzz input read front to back: option bytes, then length-prefixed pieces, then the rest.
/// Running out of bytes gives zeros and empty pieces, so every input means something.
public struct FuzzInput {
    public private(set) var bytes: ArraySlice<UInt8>

    public init(_ start: UnsafePointer<UInt8>?, _ count: Int) {
        bytes = ArraySlice(start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
    }

    /// The next byte, or 0 at the end.
    public mutating func byte() -> UInt8 {
        guard let b = bytes.first else { return 0 }
        bytes = bytes.dropFirst()
        return b
    }

    /// A piece whose length is the next two bytes (little-endian), cut to what is left.
    public mutating func piece() -> [UInt8] {
        let length = Int(byte()) | Int(byte()) << 8
        let piece = bytes.prefix(length)
        bytes = bytes.dropFirst(length)
        return Array(piece)
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] {
        defer { bytes = [] }
        return Array(bytes)
    }
}

/// Stops the fuzzer with `message` when `condition` fails: a broken invariant is a finding.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// A reader's refusal of an input, the expected outcome for most inputs: its message is
/// built (as the CLI would print it), and printed when NETRUN_FUZZ_VERBOSE is set, to see
/// what a reader says of a replayed file (`NETRUN_FUZZ_VERBOSE=1 fuzz-idx FILE`).
public func rejected(_ error: some Error) {
    let message = String(describing: error)
    if verbose { print("rejected: \(message)") }
}

/// When set, a target also says what it accepted.
public let verbose = getenv("NETRUN_FUZZ_VERBOSE") != nil
