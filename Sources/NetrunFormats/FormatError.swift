// NetrunFormats: strict readers and writers (depending only on zlib, for CRC-32) for the files netrun
// exchanges with the outside world (safetensors weights, NumPy .npy arrays), and the
// atomic file writing they share. Every malformed input is reported as a FormatError;
// nothing here traps on file contents or allocates more than twice the file's own size
// (float32 values decoded from 16-bit ones).

/// The single error type of NetrunFormats.
///
/// `description` reads like a compiler diagnostic:
/// `weights.safetensors: error: tensor 'conv1.weight' has dtype I64; netrun reads F32, F16, BF16 and F64`.
public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Equatable, Sendable, CaseIterable {
        /// The file could not be opened, read, written, synced or renamed.
        case io
        /// The path names a directory, a FIFO, a device or a socket.
        case notARegularFile
        /// The file is larger than the reader's size limit.
        case fileTooLarge
        /// The file ends before the structure it announces (length prefix, header or data,
        /// including safetensors data_offsets past the end of the data buffer).
        case truncated
        /// A length field is larger than the format allows or than the file itself.
        case headerTooLarge
        /// The file does not start with the format's magic bytes.
        case badMagic
        /// A .npy format version netrun does not read.
        case unsupportedVersion
        /// The header (safetensors JSON, .npy dict literal) is malformed or has the wrong keys or types.
        case malformedHeader
        /// An element type netrun does not read (.npy: other than little-endian float32;
        /// safetensors: other than F32, F16, BF16 and F64).
        case unsupportedDType
        /// A .npy array stored in Fortran (column-major) order.
        case fortranOrder
        /// The element count implied by a shape does not match the bytes given for it.
        case shapeMismatch
        /// A safetensors tensor's data_offsets are reversed (begin after end).
        case offsetsOutOfBounds
        /// Two safetensors tensors share bytes.
        case overlappingTensors
        /// Bytes of the safetensors data buffer that belong to no tensor.
        case holeInBuffer
        /// Bytes after the last byte the header accounts for.
        case trailingBytes
        /// Two tensors with the same name.
        case duplicateName
        /// A tensor's bytes do not match the CRC-32 the file's metadata records for it.
        case checksumMismatch
        /// A writer was given inconsistent input (shape vs values, reserved or duplicate names).
        case invalidArgument
    }

    /// The file the error is about (or `<memory>` when bytes were parsed from memory).
    public var path: String
    public var kind: Kind
    /// A human sentence without the path prefix.
    public var message: String

    public init(path: String, kind: Kind, message: String) {
        self.path = path
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(path): error: \(message)" }

    /// The path used in errors when bytes are parsed from memory.
    public static let inMemoryPath = "<memory>"
}

/// Python-style rendering of a shape, e.g. `(5,)`, `()`, `(2, 3)`; used in messages.
public func pythonTuple(_ shape: [Int]) -> String {
    switch shape.count {
    case 0: return "()"
    case 1: return "(\(shape[0]),)"
    default: return "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

/// The number of elements of `shape`, or nil if a dimension is negative or the product overflows.
func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dim in shape {
        guard dim >= 0 else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: dim)
        guard !overflow else { return nil }
        count = product
    }
    return count
}

/// The byte size of `count` elements of `elementSize` bytes, or nil on overflow.
func byteCount(_ count: Int, elementSize: Int) -> Int? {
    let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
    return overflow ? nil : bytes
}
