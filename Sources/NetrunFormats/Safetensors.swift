import CZlib
import Foundation

/// One named float32 tensor, row-major, as stored in a safetensors file.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The contents of a safetensors file: tensors in header order plus `__metadata__`.
public struct SafetensorsFile: Sendable, Equatable {
    public var tensors: [NamedTensor]
    public var metadata: [String: String]

    public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public var names: [String] { tensors.map(\.name) }

    public subscript(name: String) -> NamedTensor? { tensors.first { $0.name == name } }
}

/// Strict reader and writer of safetensors files. The reader takes F32, F16, BF16 and F64
/// tensors and converts them to float32 (a state dict saved in half precision loads as it
/// is); the writer writes F32.
///
/// Checksums: `write` stores each tensor's CRC-32 (zlib's, as Python's `zlib.crc32`) of
/// its data bytes in `__metadata__`, under `netrun.crc32:<tensor name>`, as 8 lowercase hex
/// digits; the reader verifies every such entry and refuses a tensor whose bytes do not
/// match (a flipped bit in a checkpoint), and returns the metadata without them. A file
/// without them (PyTorch's) is read as it is.
///
/// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON (maybe padded
/// with spaces) mapping each tensor name to `{"dtype", "shape", "data_offsets"}` plus an
/// optional `"__metadata__"` string map, then the data buffer the offsets index into.
public enum Safetensors {
    /// Headers above this size are refused before anything is allocated for them.
    public static let maximumHeaderLength = 100 << 20
    static let metadataKey = "__metadata__"
    /// The metadata key of a tensor's checksum is this prefix and the tensor's name.
    public static let checksumPrefix = "netrun.crc32:"

    /// Reads and validates the file at `path` (see `FileInput.read`; only the tensors are copied).
    public static func read(path: String) throws -> SafetensorsFile {
        try parse(try FileInput.read(path: path), path: path)
    }

    /// Validates and decodes a whole safetensors file held in memory.
    public static func parse(_ data: Data, path: String = FileError.inMemoryPath) throws -> SafetensorsFile {
        try data.withUnsafeBytes { try parse(bytes: $0, path: path) }
    }

    /// Writes `tensors` (in this order) atomically to `path`.
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(try encodeBytes(tensors, metadata: metadata, checksums: true, path: path), to: path)
    }

    /// The bytes of a safetensors file holding `tensors`; without `checksums`, identical to
    /// the reference Python writer's output (compact JSON, header padded with spaces to 8
    /// bytes); with them (as `write` writes every file), each tensor's CRC-32 is in the
    /// metadata. `netrun.crc32:` entries in `metadata` are dropped either way.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:], checksums: Bool = false) throws -> Data {
        Data(try encodeBytes(tensors, metadata: metadata, checksums: checksums, path: FileError.inMemoryPath))
    }

    // MARK: - Reading

    private struct Entry {
        var name: String
        var dtype: SafetensorsDType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// The metadata of the safetensors file at `path`, its checksum entries left out: only
    /// the header is parsed (a run's state, say, without decoding its tensors).
    public static func metadata(path: String) throws -> [String: String] {
        let data = try FileInput.read(path: path)
        return try data.withUnsafeBytes { bytes in
            let (members, _) = try header(bytes: bytes, path: path)
            let error = { (kind: FileError.Kind, message: String) in FileError(path: path, kind: kind, message: message) }
            guard let value = members.first(where: { $0.key == metadataKey })?.value else { return [:] }
            return try parseMetadata(value, error: error).filter { !$0.key.hasPrefix(checksumPrefix) }
        }
    }

    /// The header's members and the data buffer after it.
    private static func header(bytes: UnsafeRawBufferPointer, path: String) throws -> (members: [(key: String, value: JSON)], buffer: UnsafeRawBufferPointer) {
        func error(_ kind: FileError.Kind, _ message: String) -> FileError {
            FileError(path: path, kind: kind, message: message)
        }
        guard bytes.count >= 8 else {
            throw error(.truncated, "file is \(bytes.count) bytes, too short for the 8-byte header length of a safetensors file")
        }
        let declared = bytes.littleEndian(at: 0, as: UInt64.self)
        guard declared <= UInt64(maximumHeaderLength) else {
            throw error(.headerTooLarge, "header length \(declared) exceeds the \(maximumHeaderLength)-byte limit (not a safetensors file?)")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw error(.truncated, "header length is \(headerLength) bytes but only \(bytes.count - 8) bytes follow it")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8 ..< 8 + headerLength])
        let buffer = UnsafeRawBufferPointer(rebasing: bytes[(8 + headerLength)...])

        let header: JSON
        do {
            header = try JSON.parse(headerBytes)
        } catch {
            throw FileError(path: path, kind: .malformedHeader,
                              message: "header is not valid JSON: \(error.message) at header byte \(error.offset)")
        }
        guard case let .object(members) = header else {
            throw error(.malformedHeader, "header must be a JSON object, found \(header.typeName)")
        }
        return (members, buffer)
    }

    static func parse(bytes: UnsafeRawBufferPointer, path: String) throws -> SafetensorsFile {
        func error(_ kind: FileError.Kind, _ message: String) -> FileError {
            FileError(path: path, kind: kind, message: message)
        }
        let (members, buffer) = try header(bytes: bytes, path: path)
        var metadata: [String: String]?
        var entries: [Entry] = []
        var seen = Set<String>()
        for (name, value) in members {
            if name == metadataKey {
                guard metadata == nil else { throw error(.malformedHeader, "'\(metadataKey)' appears twice in the header") }
                metadata = try parseMetadata(value, error: error)
                continue
            }
            guard seen.insert(name).inserted else {
                throw error(.duplicateName, "tensor '\(name)' appears twice in the header")
            }
            entries.append(try parseEntry(name: name, value: value, bufferSize: buffer.count, error: error))
        }
        try checkCoverage(entries, bufferSize: buffer.count, error: error)
        let userMetadata = try verifyChecksums(metadata ?? [:], entries: entries, buffer: buffer, error: error)

        let tensors = entries.map { entry in
            NamedTensor(name: entry.name, shape: entry.shape,
                        values: entry.dtype.decode(UnsafeRawBufferPointer(rebasing: buffer[entry.begin ..< entry.end])))
        }
        return SafetensorsFile(tensors: tensors, metadata: userMetadata)
    }

    /// Checks each `netrun.crc32:<name>` entry against the bytes of tensor `name` (entries
    /// of tensors the file does not have check nothing) and returns the other entries.
    private static func verifyChecksums(
        _ metadata: [String: String], entries: [Entry], buffer: UnsafeRawBufferPointer,
        error: (FileError.Kind, String) -> FileError
    ) throws -> [String: String] {
        var rest: [String: String] = [:]
        let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (key, value) in metadata {
            guard key.hasPrefix(checksumPrefix) else {
                rest[key] = value
                continue
            }
            let name = String(key.dropFirst(checksumPrefix.count))
            guard value.utf8.count == 8, let stored = UInt32(value, radix: 16) else {
                throw error(.malformedHeader, "'\(metadataKey)' entry '\(key)' must be 8 hexadecimal digits (a CRC-32), found \"\(value)\"")
            }
            guard let entry = byName[name] else { continue }
            let actual = crc32(UnsafeRawBufferPointer(rebasing: buffer[entry.begin ..< entry.end]))
            guard actual == stored else {
                throw error(.checksumMismatch, "tensor '\(name)' is damaged: its \(entry.end - entry.begin) bytes have CRC-32 "
                    + "\(hex(actual)), but the file recorded \(hex(stored)) when it was written (if it was edited on purpose, "
                    + "remove its '\(key)' metadata entry)")
            }
        }
        return rest
    }

    /// zlib's CRC-32 of `bytes` (Python's `zlib.crc32`).
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        return UInt32(truncatingIfNeeded: crc32_z(0, base.assumingMemoryBound(to: Bytef.self), z_size_t(bytes.count)))
    }

    /// The CRC-32 of `values` written as little-endian float32, as the data buffer holds them.
    static func crc32(littleEndian values: [Float]) -> UInt32 {
        #if _endian(little)
        return values.withUnsafeBytes { crc32($0) }
        #else
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(values)
        return bytes.withUnsafeBytes { crc32($0) }
        #endif
    }

    /// Eight lowercase hexadecimal digits.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    private static func parseMetadata(
        _ value: JSON, error: (FileError.Kind, String) -> FileError
    ) throws -> [String: String] {
        guard case let .object(pairs) = value else {
            throw error(.malformedHeader, "'\(metadataKey)' must be an object of strings, found \(value.typeName)")
        }
        var metadata: [String: String] = [:]
        for (key, item) in pairs {
            guard case let .string(text) = item else {
                throw error(.malformedHeader, "'\(metadataKey)' entry '\(key)' must be a string, found \(item.typeName)")
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw error(.malformedHeader, "'\(metadataKey)' has key '\(key)' twice")
            }
        }
        return metadata
    }

    private static func parseEntry(
        name: String, value: JSON, bufferSize: Int, error: (FileError.Kind, String) -> FileError
    ) throws -> Entry {
        guard case let .object(pairs) = value else {
            throw error(.malformedHeader, "tensor '\(name)' must be described by an object, found \(value.typeName)")
        }
        var fields: [String: JSON] = [:]
        for (key, item) in pairs {
            guard ["dtype", "shape", "data_offsets"].contains(key) else {
                throw error(.malformedHeader, "tensor '\(name)' has unexpected key '\(key)'")
            }
            guard fields.updateValue(item, forKey: key) == nil else {
                throw error(.malformedHeader, "tensor '\(name)' has key '\(key)' twice")
            }
        }
        for key in ["dtype", "shape", "data_offsets"] where fields[key] == nil {
            throw error(.malformedHeader, "tensor '\(name)' has no '\(key)'")
        }
        guard case let .string(dtypeName)? = fields["dtype"] else {
            throw error(.malformedHeader, "tensor '\(name)' has a dtype that is not a string")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw error(.unsupportedDType, "tensor '\(name)' has dtype \(dtypeName); netrun reads F32, F16, BF16 and F64")
        }
        let shape = try integers(fields["shape"], what: "shape", of: name, error: error)
        let offsets = try integers(fields["data_offsets"], what: "data_offsets", of: name, error: error)
        guard offsets.count == 2 else {
            throw error(.malformedHeader, "tensor '\(name)' has \(offsets.count) data_offsets; expected [begin, end]")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw error(.offsetsOutOfBounds, "tensor '\(name)' has data_offsets [\(begin), \(end)] with begin after end")
        }
        guard end <= bufferSize else {
            throw error(.truncated, "tensor '\(name)' has data_offsets [\(begin), \(end)] beyond the end of the "
                + "\(bufferSize)-byte data buffer (file truncated?)")
        }
        guard let count = elementCount(shape), let expected = byteCount(count, elementSize: dtype.size) else {
            throw error(.shapeMismatch, "tensor '\(name)' has shape \(shape) whose element count overflows")
        }
        guard expected == end - begin else {
            throw error(.shapeMismatch, "tensor '\(name)' has shape \(shape) (\(expected) bytes as \(dtype.rawValue)) "
                + "but data_offsets [\(begin), \(end)] span \(end - begin) bytes")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// An array of non-negative JSON integers that fit in Int.
    private static func integers(
        _ value: JSON?, what: String, of name: String, error: (FileError.Kind, String) -> FileError
    ) throws -> [Int] {
        guard case let .array(items)? = value else {
            throw error(.malformedHeader, "tensor '\(name)' has a \(what) that is not an array, found \(value?.typeName ?? "nothing")")
        }
        return try items.map { item in
            guard case let .number(text) = item else {
                throw error(.malformedHeader, "tensor '\(name)' has a \(what) entry that is \(item.typeName), not an integer")
            }
            guard text.allSatisfy(\.isASCIIDigitOrMinus), !text.dropFirst().contains("-") else {
                throw error(.malformedHeader, "tensor '\(name)' has a \(what) entry \(text) that is not an integer")
            }
            guard !text.hasPrefix("-") else {
                throw error(.malformedHeader, "tensor '\(name)' has a negative \(what) entry \(text)")
            }
            guard let number = Int(text) else {
                throw error(.malformedHeader, "tensor '\(name)' has a \(what) entry \(text) that is too large")
            }
            return number
        }
    }

    /// Every byte of the buffer belongs to exactly one tensor.
    private static func checkCoverage(
        _ entries: [Entry], bufferSize: Int, error: (FileError.Kind, String) -> FileError
    ) throws {
        let sorted = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        var previous: Entry?
        for entry in sorted {
            if entry.begin < cursor, let previous {
                throw error(.overlappingTensors, "tensors '\(previous.name)' [\(previous.begin), \(previous.end)] "
                    + "and '\(entry.name)' [\(entry.begin), \(entry.end)] overlap")
            }
            if entry.begin > cursor {
                throw error(.holeInBuffer, "data buffer bytes [\(cursor), \(entry.begin)) belong to no tensor "
                    + "(before tensor '\(entry.name)')")
            }
            cursor = entry.end
            previous = entry
        }
        guard cursor == bufferSize else {
            throw error(.trailingBytes, "\(bufferSize - cursor) bytes after the last tensor's data "
                + "(data buffer is \(bufferSize) bytes, tensors cover \(cursor))")
        }
    }

    // MARK: - Writing

    static func encodeBytes(_ tensors: [NamedTensor], metadata given: [String: String], checksums: Bool, path: String) throws -> [UInt8] {
        var metadata = given.filter { !$0.key.hasPrefix(checksumPrefix) }
        for tensor in tensors where checksums && elementCount(tensor.shape) == tensor.values.count {
            metadata[checksumPrefix + tensor.name] = hex(crc32(littleEndian: tensor.values))
        }
        var header: [UInt8] = Array("{".utf8)
        var needsComma = false
        if !metadata.isEmpty {
            JSON.appendString(metadataKey, to: &header)
            header.append(contentsOf: Array(":{".utf8))
            for (index, key) in metadata.keys.sorted().enumerated() {
                if index > 0 { header.append(UInt8(ascii: ",")) }
                JSON.appendString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                JSON.appendString(metadata[key] ?? "", to: &header)
            }
            header.append(UInt8(ascii: "}"))
            needsComma = true
        }
        var names = Set<String>()
        var offset = 0
        for tensor in tensors {
            func invalid(_ message: String) -> FileError {
                FileError(path: path, kind: .invalidArgument, message: "tensor '\(tensor.name)' \(message)")
            }
            guard tensor.name != metadataKey else { throw invalid("uses the reserved name") }
            guard names.insert(tensor.name).inserted else { throw invalid("is given twice") }
            guard let count = elementCount(tensor.shape), count == tensor.values.count else {
                throw invalid("has shape \(tensor.shape) but \(tensor.values.count) values")
            }
            let end = offset + count * 4
            if needsComma { header.append(UInt8(ascii: ",")) }
            needsComma = true
            JSON.appendString(tensor.name, to: &header)
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            header.append(contentsOf: Array(#":{"dtype":"F32","shape":[\#(shape)],"data_offsets":[\#(offset),\#(end)]}"#.utf8))
            offset = end
        }
        header.append(UInt8(ascii: "}"))
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        out.appendLittleEndian(UInt64(header.count))
        out.append(contentsOf: header)
        for tensor in tensors { out.appendLittleEndian(tensor.values) }
        return out
    }
}

private extension Character {
    var isASCIIDigitOrMinus: Bool { ("0" ... "9").contains(self) || self == "-" }
}

/// The safetensors element types the reader accepts, each converted to float32 on load as
/// PyTorch's `.float()` converts: F16 and BF16 exactly, F64 rounded to nearest (even),
/// beyond float32's range to ±infinity.
enum SafetensorsDType: String, CaseIterable, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"

    /// Bytes per element.
    var size: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .f64: 8
        }
    }

    /// Float32 values of little-endian elements (`bytes.count` is a multiple of `size`).
    func decode(_ bytes: UnsafeRawBufferPointer) -> [Float] {
        switch self {
        case .f32:
            return [Float](littleEndianFloat32: bytes)
        case .f16:
            return Self.map(bytes, UInt16.self) { Float(Float16(bitPattern: $0)) }
        case .bf16:
            // bfloat16 is the top half of a float32.
            return Self.map(bytes, UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
        case .f64:
            return Self.map(bytes, UInt64.self) { Float(Double(bitPattern: $0)) }
        }
    }

    private static func map<T: FixedWidthInteger>(
        _ bytes: UnsafeRawBufferPointer, _: T.Type, _ convert: (T) -> Float
    ) -> [Float] {
        let stride = MemoryLayout<T>.size
        return (0 ..< bytes.count / stride).map { convert(bytes.littleEndian(at: $0 * stride, as: T.self)) }
    }
}
