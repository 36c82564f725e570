import Foundation
import NetrunFormats

/// .npy images and labels of the element types data sets use. NetrunFormats' NPY reads
/// float32 only (weights and predictions); this reader adds uint8 images and integer labels
/// and keeps the same strictness: C order, little-endian, the data exactly as long as the
/// shape says.
///
/// Layout: `\x93NUMPY`, version bytes (1.0, 2.0 or 3.0), a little-endian header length (2
/// bytes in 1.0, 4 after), a Python dict literal `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (N, C, H, W), }` padded with spaces, then the data.
enum NPYData {
    enum DType: String, CaseIterable {
        case uint8 = "|u1"
        case int32 = "<i4"
        case int64 = "<i8"
        case float32 = "<f4"

        var size: Int {
            switch self {
            case .uint8: return 1
            case .int32, .float32: return 4
            case .int64: return 8
            }
        }
    }

    struct Array {
        var dtype: DType
        var shape: [Int]
        var data: ArraySlice<UInt8>
    }

    static func parse(_ bytes: [UInt8], path: String) throws(FileError) -> Array {
        func format(_ message: String) -> FileError { FileError(path: path, kind: .format, message: message) }
        let layout: NPYLayout
        do {
            layout = try bytes.withUnsafeBytes { try NPY.layout($0, path: path) }
        } catch let e as FileError {
            throw e.asDataSourceError
        } catch {
            throw format("\(error)")
        }
        let descr = layout.descr, shape = layout.shape, shapeText = pythonTuple(shape)
        guard let dtype = DType(rawValue: descr == "<u1" ? "|u1" : descr) else {
            throw format("array has dtype '\(descr)'; netrun reads \(DType.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))")
        }
        guard !layout.fortranOrder else { throw format("array is stored in Fortran order; netrun reads C order only") }
        var count = 1
        for d in shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw format("shape \(shapeText) overflows") }
            count = c
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw format("shape \(shapeText) overflows") }
        let dataStart = layout.dataOffset
        let actual = bytes.count - dataStart
        guard actual >= expected else {
            throw FileError(path: path, kind: .truncated, message: "data is truncated: shape \(shapeText) of \(descr) needs \(expected) bytes, found \(actual)")
        }
        guard actual == expected else {
            throw FileError(path: path, kind: .trailingBytes, message: "\(actual - expected) trailing bytes: shape \(shapeText) of \(descr) needs \(expected) bytes")
        }
        return Array(dtype: dtype, shape: shape, data: bytes[dataStart...])
    }

    /// Images `N x C x H x W` (or `N x H x W`, one channel), uint8 or float32 (finite), and `N` labels.
    static func load(images imagesPath: String, labels labelsPath: String, classes: Int) throws(FileError) -> Dataset {
        let images = try parse(try FileBytes.read(imagesPath), path: imagesPath)
        let shape: [Int]
        switch images.shape.count {
        case 3: shape = [1, images.shape[1], images.shape[2]]
        case 4: shape = Swift.Array(images.shape[1...])
        default:
            throw FileError(path: imagesPath, kind: .format, message: "images must be N x C x H x W (or N x H x W), found shape \(pythonTuple(images.shape))")
        }
        let pixels: Dataset.Pixels
        switch images.dtype {
        case .uint8: pixels = .bytes(Swift.Array(images.data))
        case .float32:
            let values = floats(images.data)
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw FileError(path: imagesPath, kind: .value, message: "pixel value \(values[i]) at flat index \(i) is not finite")
            }
            pixels = .floats(values)
        case .int32, .int64:
            throw FileError(path: imagesPath, kind: .format, message: "images have dtype '\(images.dtype.rawValue)'; netrun reads uint8 or float32 images")
        }
        let labels = try parse(try FileBytes.read(labelsPath), path: labelsPath)
        guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1) else {
            throw FileError(path: labelsPath, kind: .format, message: "labels must have shape (N,), found \(pythonTuple(labels.shape))\(labels.shape.isEmpty ? " (a scalar)" : "")")
        }
        guard labels.shape[0] == images.shape[0] else {
            throw FileError(path: labelsPath, kind: .mismatch, message: "has \(labels.shape[0]) labels but \(imagesPath) has \(images.shape[0]) images")
        }
        let values = try labelValues(labels, path: labelsPath)
        return try Dataset(origin: imagesPath, shape: shape, pixels: pixels, labels: Labels.check(values, classes: classes, path: labelsPath), classes: classes)
    }

    static func labelValues(_ a: Array, path: String) throws(FileError) -> [Int64] {
        switch a.dtype {
        case .uint8: return a.data.map { Int64($0) }
        case .int32: return littleEndian(a.data, UInt32.self).map { Int64(Int32(bitPattern: $0)) }
        case .int64: return littleEndian(a.data, UInt64.self).map { Int64(bitPattern: $0) }
        case .float32:
            let f = floats(a.data)
            if let i = f.firstIndex(where: { !$0.isFinite || $0.rounded() != $0 }) {
                throw FileError(path: path, kind: .label, message: "label \(f[i]) at index \(i) is not \(f[i].isFinite ? "a whole number" : "finite")")
            }
            // Whole, and beyond any class count past 2^62: Labels.check says it is out of range.
            return f.map { abs($0) < 0x1p62 ? Int64($0) : $0 < 0 ? -(1 << 62) : 1 << 62 }
        }
    }

    static func floats(_ bytes: ArraySlice<UInt8>) -> [Float] {
        littleEndian(bytes, UInt32.self).map { Float(bitPattern: $0) }
    }

    /// The little-endian integers of `bytes` (any alignment).
    static func littleEndian<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, _: T.Type) -> [T] {
        let n = bytes.count / MemoryLayout<T>.size
        return [T](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0 ..< n { out[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
            }
            initialized = n
        }
    }
}
