// NetrunData: where training and evaluation examples come from (IDX, NumPy, CIFAR,
// folders of images, synthetic), their preprocessing and augmentation, and the loader that
// prepares batches ahead of compute on its own thread. Every malformed input is a DataError
// naming the file; nothing here traps on file contents.
import NetrunFormats

/// The single error type of NetrunData.
///
/// `description` reads like a compiler diagnostic and starts with the file it is about:
/// `train-labels.idx: error: label 12 at index 3 is not below the model's 10 classes`.
/// Errors about a config setting (a mean with the wrong number of values) name the
/// setting's position, `Configs/net.yaml:40:5`.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Equatable, Sendable, CaseIterable {
        /// The path is missing, a directory where a file is wanted (or the reverse), or unreadable.
        case io
        /// The bytes are not the format named (bad magic, unsupported element type, corrupt gzip or image).
        case format
        /// The file is shorter than its header announces.
        case truncated
        /// The file is longer than its header announces.
        case trailingBytes
        /// Two files or settings that must agree do not (image and label counts, channels, sizes).
        case mismatch
        /// A label is not a whole number in 0 ..< classes.
        case label
        /// A pixel value is NaN or infinite.
        case value
        /// The data and the preprocessing cannot work together (too few examples, images smaller than the input).
        case setting
    }

    /// The file (or config position) the error is about.
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
}

extension DataError {
    /// A file-format reader's error, with its path and message, as a data source's error.
    init(_ e: FormatError) {
        let kind: Kind = switch e.kind {
        case .io, .notARegularFile, .fileTooLarge: .io
        case .truncated: .truncated
        case .trailingBytes: .trailingBytes
        default: .format
        }
        self.init(path: e.path, kind: kind, message: e.message)
    }
}
