import NetrunFormats

/// MNIST-style IDX files: two zero bytes, an element type (0x08: unsigned byte, the only one
/// netrun reads), the number of dimensions, each dimension as a big-endian UInt32, then the
/// elements in C order. Images are N x H x W (one channel) or N x C x H x W; labels are N.
public enum IDX {
    struct Array {
        var dims: [Int]
        var bytes: ArraySlice<UInt8>
    }

    static let typeNames: [UInt8: String] = [0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short", 0x0C: "int", 0x0D: "float", 0x0E: "double"]

    /// Parses a whole (already inflated) IDX file.
    static func parse(_ bytes: [UInt8], path: String) throws(FileError) -> Array {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw FileError(path: path, kind: .format, message: "not an IDX file: it does not start with two zero bytes, an element type and a dimension count")
        }
        guard bytes[2] == 0x08 else {
            let name = typeNames[bytes[2]].map { " (\($0))" } ?? ""
            throw FileError(path: path, kind: .format, message: "IDX element type 0x\(hex(bytes[2]))\(name) is not supported; netrun reads unsigned bytes (0x08)")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw FileError(path: path, kind: .format, message: "IDX header declares 0 dimensions") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw FileError(path: path, kind: .truncated, message: "file is \(bytes.count) bytes, too short for an IDX header of \(rank) dimensions")
        }
        var dims: [Int] = []
        var count = 1
        for i in 0 ..< rank {
            let o = 4 + 4 * i
            let d = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            dims.append(d)
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw FileError(path: path, kind: .format, message: "IDX dimensions \(shapeText(dims)) overflow") }
            count = p
        }
        let data = bytes.count - headerSize
        guard data >= count else {
            throw FileError(path: path, kind: .truncated,
                            message: "header says \(shapeText(dims)) = \(count) bytes of data, but the file has \(data): it is truncated")
        }
        guard data == count else {
            throw FileError(path: path, kind: .trailingBytes,
                            message: "header says \(shapeText(dims)) = \(count) bytes of data, but the file has \(data) (\(data - count) extra)")
        }
        return Array(dims: dims, bytes: bytes[headerSize...])
    }

    /// Images and labels from two IDX files, each read by `read` (the files' contents,
    /// inflated when gzip; the fuzz target passes its input's bytes instead).
    public static func load(images imagesPath: String, labels labelsPath: String, classes: Int,
                            read: (String) throws(FileError) -> [UInt8] = FileBytes.read) throws(FileError) -> Dataset {
        let images = try parse(try read(imagesPath), path: imagesPath)
        let shape: [Int]
        switch images.dims.count {
        case 3: shape = [1, images.dims[1], images.dims[2]]
        case 4: shape = Swift.Array(images.dims[1...])
        default:
            throw FileError(path: imagesPath, kind: .format,
                            message: "IDX images must have 3 dimensions (N x H x W) or 4 (N x C x H x W), found \(images.dims.count): \(shapeText(images.dims))")
        }
        let labels = try parse(try read(labelsPath), path: labelsPath)
        guard labels.dims.count == 1 else {
            throw FileError(path: labelsPath, kind: .format, message: "IDX labels must have 1 dimension (N), found \(labels.dims.count): \(shapeText(labels.dims))")
        }
        guard labels.dims[0] == images.dims[0] else {
            throw FileError(path: labelsPath, kind: .mismatch,
                            message: "has \(labels.dims[0]) labels but \(imagesPath) has \(images.dims[0]) images")
        }
        let values = try Labels.check(labels.bytes.map { Int64($0) }, classes: classes, path: labelsPath)
        return try Dataset(origin: imagesPath, shape: shape, pixels: .bytes(Swift.Array(images.bytes)), labels: values, classes: classes)
    }

    static func hex(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }
}

/// `60000 x 28 x 28`.
func shapeText(_ dims: [Int]) -> String { dims.map(String.init).joined(separator: " x ") }

/// The one rule for labels, whatever the source: whole numbers in 0 ..< classes.
enum Labels {
    /// `labels` as Int32, or an error naming `path` and the first bad index.
    static func check(_ labels: [Int64], classes: Int, path: String) throws(FileError) -> [Int32] {
        if let i = labels.firstIndex(where: { $0 < 0 || $0 >= Int64(classes) }) {
            throw FileError(path: path, kind: .label, message: "label \(labels[i]) at index \(i) is not in 0 ..< \(classes) (the model's classes)")
        }
        return labels.map { Int32(truncatingIfNeeded: $0) }
    }
}
