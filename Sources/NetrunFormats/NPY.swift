import Foundation

/// A row-major float32 array as stored in a NumPy .npy file.
public struct NPYArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// What a .npy header says (NPY.layout), and the offset of the data after it.
public struct NPYLayout: Sendable, Equatable {
    /// NumPy's dtype string, e.g. `<f4`, `|u1`.
    public var descr: String
    public var fortranOrder: Bool
    public var shape: [Int]
    public var dataOffset: Int
}

/// Strict reader and writer of NumPy .npy files holding little-endian float32 ('<f4') arrays
/// in C order.
///
/// Layout: `\x93NUMPY`, major and minor version bytes, a little-endian header length
/// (2 bytes in version 1.0, 4 in 2.0 and 3.0), the header (a Python dict literal with
/// exactly the keys 'descr', 'fortran_order' and 'shape'), then the raw data.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// Headers above this size are refused (NumPy itself refuses more than 10000 bytes by default).
    public static let maximumHeaderLength = 1 << 20

    /// Reads and validates the file at `path` (see `FileInput.read`; only the values are copied).
    public static func read(path: String) throws -> NPYArray {
        try parse(try FileInput.read(path: path), path: path)
    }

    /// Validates and decodes a whole .npy file held in memory.
    public static func parse(_ data: Data, path: String = FileError.inMemoryPath) throws -> NPYArray {
        try data.withUnsafeBytes { try parse(bytes: $0, path: path) }
    }

    /// Writes `array` atomically to `path`.
    public static func write(_ array: NPYArray, to path: String) throws {
        try AtomicFile.write(try encodeBytes(array, path: path), to: path)
    }

    /// The bytes of a .npy file holding `array`, identical to `numpy.save` of the same
    /// float32 array: version 1.0 (2.0 only if the header needs it), header padded with
    /// spaces and a final newline so the data starts at a multiple of 64 bytes.
    public static func encode(_ array: NPYArray) throws -> Data {
        Data(try encodeBytes(array, path: FileError.inMemoryPath))
    }

    // MARK: - Reading

    /// What a .npy file's preamble and header say, and where its data starts: the one
    /// reader of the format's framing, for float32 arrays here and the data sets' element
    /// types in NetrunData. The header is a dict with exactly NumPy's three keys.
    public static func layout(_ bytes: UnsafeRawBufferPointer, path: String) throws -> NPYLayout {
        func error(_ kind: FileError.Kind, _ message: String) -> FileError {
            FileError(path: path, kind: kind, message: message)
        }
        let prefix = min(bytes.count, magic.count)
        guard bytes.prefix(prefix).elementsEqual(magic.prefix(prefix)) else {
            throw error(.badMagic, "not a .npy file: it does not start with \\x93NUMPY")
        }
        guard bytes.count >= 10 else {
            throw error(.truncated, "file is \(bytes.count) bytes, too short for a .npy preamble")
        }
        let (major, minor) = (bytes[6], bytes[7])
        guard [1, 2, 3].contains(major), minor == 0 else {
            throw error(.unsupportedVersion, ".npy format version \(major).\(minor) is not supported; netrun reads 1.0, 2.0 and 3.0")
        }
        let lengthSize = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthSize else {
            throw error(.truncated, "file is \(bytes.count) bytes, too short for a version \(major).0 preamble")
        }
        let headerLength = major == 1
            ? Int(bytes.littleEndian(at: 8, as: UInt16.self))
            : Int(bytes.littleEndian(at: 8, as: UInt32.self))
        let headerStart = 8 + lengthSize
        guard headerLength <= maximumHeaderLength else {
            throw error(.headerTooLarge, "header length \(headerLength) exceeds the \(maximumHeaderLength)-byte limit")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw error(.truncated, "header length is \(headerLength) bytes but only \(bytes.count - headerStart) bytes follow it")
        }
        let header = try NPYHeader.parse(
            UnsafeRawBufferPointer(rebasing: bytes[headerStart ..< headerStart + headerLength]), path: path)
        return NPYLayout(descr: header.descr, fortranOrder: header.fortranOrder, shape: header.shape, dataOffset: headerStart + headerLength)
    }

    static func parse(bytes: UnsafeRawBufferPointer, path: String) throws -> NPYArray {
        func error(_ kind: FileError.Kind, _ message: String) -> FileError {
            FileError(path: path, kind: kind, message: message)
        }
        let header = try layout(bytes, path: path)
        guard header.descr == "<f4" else {
            throw error(.unsupportedDType, "array has dtype '\(header.descr)'; netrun reads little-endian float32 ('<f4') only")
        }
        guard !header.fortranOrder else {
            throw error(.fortranOrder, "array is stored in Fortran order (fortran_order: True); netrun reads C order only")
        }
        guard let count = elementCount(header.shape), let expected = byteCount(count, elementSize: 4) else {
            throw error(.shapeMismatch, "shape \(pythonTuple(header.shape)) has an element count that overflows")
        }
        let dataStart = header.dataOffset
        let actual = bytes.count - dataStart
        guard actual >= expected else {
            throw error(.truncated, "data is truncated: shape \(pythonTuple(header.shape)) needs \(expected) bytes, found \(actual)")
        }
        guard actual == expected else {
            throw error(.trailingBytes, "\(actual - expected) trailing bytes: shape \(pythonTuple(header.shape)) needs "
                + "\(expected) bytes, found \(actual)")
        }
        return NPYArray(shape: header.shape,
                        values: [Float](littleEndianFloat32: UnsafeRawBufferPointer(rebasing: bytes[dataStart...])))
    }

    // MARK: - Writing

    static func encodeBytes(_ array: NPYArray, path: String) throws -> [UInt8] {
        guard let count = elementCount(array.shape), count == array.values.count else {
            throw FileError(path: path, kind: .invalidArgument,
                              message: "shape \(pythonTuple(array.shape)) does not match \(array.values.count) values")
        }
        // numpy's _write_array_header: sorted keys, repr of each value, then spare spaces
        // so the first axis can grow in place to 21 digits.
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(pythonTuple(array.shape)), }"
        if let first = array.shape.first {
            header += String(repeating: " ", count: max(0, 21 - String(first).count))
        }
        // Version 1.0 unless the padded header overflows its 2-byte length.
        var major: UInt8 = 1
        var padded = padding(headerCount: header.utf8.count, lengthSize: 2)
        if padded > Int(UInt16.max) {
            major = 2
            padded = padding(headerCount: header.utf8.count, lengthSize: 4)
        }
        var out: [UInt8] = magic + [major, 0]
        out.reserveCapacity(magic.count + 6 + padded + count * 4)
        if major == 1 { out.appendLittleEndian(UInt16(padded)) } else { out.appendLittleEndian(UInt32(padded)) }
        out.append(contentsOf: Array(header.utf8))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padded - header.utf8.count - 1))
        out.append(UInt8(ascii: "\n"))
        out.appendLittleEndian(array.values)
        return out
    }

    /// The header length including padding and newline that makes the data 64-byte aligned.
    /// Like numpy, a header that is already aligned still gets 64 spaces (padding is 1...64).
    private static func padding(headerCount: Int, lengthSize: Int) -> Int {
        let unpadded = magic.count + 2 + lengthSize + headerCount + 1
        return headerCount + 1 + (64 - unpadded % 64)
    }
}
