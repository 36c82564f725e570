import NetrunFormats
import NetrunConfig

/// CIFAR-10 and CIFAR-100 binary batches: records of label byte(s) then 3072 pixel bytes, a
/// 32 x 32 red plane, then green, then blue (already C x H x W). CIFAR-10 has one label byte;
/// CIFAR-100 a coarse and a fine one, of which netrun uses the fine (the 100 classes).
public enum CIFAR {
    static let shape = [3, 32, 32]
    static let pixelBytes = 3 * 32 * 32

    static func labelBytes(_ variant: DataSource.CIFARVariant) -> Int { variant == .cifar10 ? 1 : 2 }

    /// The batch files of a split in the extracted archive's directory.
    static func files(root: String, variant: DataSource.CIFARVariant, split: DataSource.CIFARSplit) -> [String] {
        let names: [String]
        switch (variant, split) {
        case (.cifar10, .train): names = (1 ... 5).map { "data_batch_\($0).bin" }
        case (.cifar10, .test): names = ["test_batch.bin"]
        case (.cifar100, .train): names = ["train.bin"]
        case (.cifar100, .test): names = ["test.bin"]
        }
        return names.map { root.hasSuffix("/") ? root + $0 : root + "/" + $0 }
    }

    /// The records of `files`, each read by `read` (the fuzz target passes its input's bytes).
    public static func load(files: [String], variant: DataSource.CIFARVariant, classes: Int,
                            read: (String) throws(FileError) -> [UInt8] = FileBytes.read) throws(FileError) -> Dataset {
        let labelSize = labelBytes(variant)
        let record = labelSize + pixelBytes
        var pixels: [UInt8] = []
        var labels: [Int32] = []
        for path in files {
            let bytes = try read(path)
            guard !bytes.isEmpty, bytes.count % record == 0 else {
                let other = variant == .cifar10 ? "100" : "10"
                let hint = bytes.count % (3 - labelSize + pixelBytes) == 0 && !bytes.isEmpty ? "; it would be whole records of CIFAR-\(other) (variant: \(other))" : ""
                throw FileError(path: path, kind: .format,
                                message: "is \(bytes.count) bytes, not a whole number of \(record)-byte CIFAR-\(variant.rawValue) records\(hint)")
            }
            let n = bytes.count / record
            pixels.reserveCapacity(pixels.count + n * pixelBytes)
            var fileLabels: [Int64] = []
            fileLabels.reserveCapacity(n)
            for r in 0 ..< n {
                let base = r * record
                fileLabels.append(Int64(bytes[base + labelSize - 1]))
                pixels.append(contentsOf: bytes[base + labelSize ..< base + record])
            }
            labels += try Labels.check(fileLabels, classes: classes, path: path)
        }
        return try Dataset(origin: files.first ?? "<cifar>", shape: shape, pixels: .bytes(pixels), labels: labels, classes: classes)
    }
}
