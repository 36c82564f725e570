// NetrunFormats: strict readers and writers (depending only on zlib, for CRC-32) for the files netrun
// exchanges with the outside world (safetensors weights, NumPy .npy arrays), and the
// atomic file writing they share. Every malformed input is reported as a FileError;
// nothing here traps on file contents or allocates more than twice the file's own size
// (float32 values decoded from 16-bit ones).

/// The one error about a file, for every stage that reads or writes one: the formats here,
/// the data sources (NetrunData), the run directory and its checkpoints (NetrunRunner).
///
/// `description` reads like a compiler diagnostic and starts with the file it is about:
/// `weights.safetensors: error: tensor 'conv1.weight' has dtype I64; netrun reads F32, F16, BF16 and F64`.
/// Errors about a config setting (a data source's mean with the wrong number of values) name
/// the setting's position instead, `Configs/net.yaml:40:5`.
///
/// `kind` is what went wrong, as precisely as the reader knows it; `kind.category` is the
/// coarse question a caller acts on (could the file be read at all, is it damaged, is it a
/// variant netrun does not read, does it disagree with the rest of the run, was the reader
/// given something unusable).
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Equatable, Sendable, CaseIterable {
        // Reading or writing the file at all (.unreadable).
        /// The file could not be opened, read, written, synced, renamed or created (missing,
        /// permissions, a full disk).
        case io
        /// The path names a directory, a FIFO, a device or a socket.
        case notARegularFile
        /// The file is larger than the reader's size limit.
        case fileTooLarge
        /// Another process holds the file (a run directory's lock).
        case inUse

        // Its bytes are not the format named (.malformed).
        /// Not the format named, as a data source says it (bad magic, a header it cannot parse,
        /// corrupt gzip or image data) when it does not say more precisely.
        case format
        /// The file ends before the structure it announces (length prefix, header or data,
        /// including safetensors data_offsets past the end of the data buffer).
        case truncated
        /// Bytes after the last byte the header accounts for.
        case trailingBytes
        /// A length field is larger than the format allows or than the file itself.
        case headerTooLarge
        /// The file does not start with the format's magic bytes.
        case badMagic
        /// The header (safetensors JSON, .npy dict literal, a training state's metadata) is
        /// malformed or has the wrong keys or types.
        case malformedHeader
        /// A safetensors tensor's data_offsets are reversed (begin after end).
        case offsetsOutOfBounds
        /// Two safetensors tensors share bytes.
        case overlappingTensors
        /// Bytes of the safetensors data buffer that belong to no tensor.
        case holeInBuffer
        /// Two tensors with the same name.
        case duplicateName
        /// A tensor's bytes do not match the CRC-32 the file's metadata records for it.
        case checksumMismatch

        // A well-formed file of a variant netrun does not read (.unsupported).
        /// A format version netrun does not read (.npy, a training state).
        case unsupportedVersion
        /// An element type netrun does not read (.npy: other than little-endian float32;
        /// safetensors: other than F32, F16, BF16 and F64).
        case unsupportedDType
        /// A .npy array stored in Fortran (column-major) order.
        case fortranOrder

        // Contents that disagree with each other, the model or the run (.mismatch).
        /// The element count implied by a shape does not match the bytes given for it.
        case shapeMismatch
        /// Two files or settings that must agree do not (image and label counts, channels,
        /// sizes; a saved run and the run that resumes it).
        case mismatch
        /// A label is not a whole number in 0 ..< classes.
        case label
        /// A pixel value is NaN or infinite.
        case value

        // What the reader or writer was given (.invalid).
        /// A writer was given inconsistent input (shape vs values, reserved or duplicate names).
        case invalidArgument
        /// The data and the preprocessing cannot work together (too few examples, images
        /// smaller than the input).
        case setting

        /// The coarse kind of problem, what a caller decides on.
        public var category: Category {
            switch self {
            case .io, .notARegularFile, .fileTooLarge, .inUse: .unreadable
            case .format, .truncated, .trailingBytes, .headerTooLarge, .badMagic, .malformedHeader, .offsetsOutOfBounds,
                 .overlappingTensors, .holeInBuffer, .duplicateName, .checksumMismatch: .malformed
            case .unsupportedVersion, .unsupportedDType, .fortranOrder: .unsupported
            case .shapeMismatch, .mismatch, .label, .value: .mismatch
            case .invalidArgument, .setting: .invalid
            }
        }
    }

    /// What a caller can do about a `FileError`: see `Kind.category`.
    public enum Category: String, Equatable, Sendable, CaseIterable {
        /// The file could not be read or written at all: another path, permissions, space.
        case unreadable
        /// The bytes are damaged or not the format named: another file.
        case malformed
        /// A valid file netrun does not read: convert it.
        case unsupported
        /// A valid file that disagrees with the model, the other files or the run.
        case mismatch
        /// The input the reader or writer was given (not a file's contents).
        case invalid
    }

    /// The file (or config position) the error is about; `<memory>` when bytes were parsed from memory.
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

    /// This error as a data source reports it (NetrunData): a format's precise kinds of
    /// damage and unsupported variants are `.format`, save truncation and trailing bytes;
    /// a file that cannot be read is `.io`.
    public var asDataSourceError: FileError {
        let kind: Kind = switch kind {
        case .io, .notARegularFile, .fileTooLarge, .inUse: .io
        case .truncated, .trailingBytes: kind
        case .format, .mismatch, .label, .value, .setting: kind
        default: .format
        }
        return FileError(path: path, kind: kind, message: message)
    }
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
