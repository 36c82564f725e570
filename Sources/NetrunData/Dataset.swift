// NetrunData: where training and evaluation examples come from (IDX, NumPy, CIFAR,
// folders of images, synthetic), their preprocessing and augmentation, and the loader that
// prepares batches ahead of compute on its own thread. Every malformed input is a FileError
// (NetrunFormats) naming the file, or the config position of a setting; nothing here traps
// on file contents.
import NetrunFormats
import NetrunConfig
import NetrunFormats

/// Examples held in memory: images of one stored shape `C x H x W` and their labels.
///
/// Pixels stay in the source's element type: bytes for IDX, CIFAR, image folders and
/// synthetic data and uint8 .npy, float32 for float32 .npy. Preprocessing (scale, mean,
/// std) and augmentation happen per batch in the loader.
public struct Dataset: Sendable {
    public enum Pixels: Sendable, Equatable {
        /// `count x C x H x W` bytes.
        case bytes([UInt8])
        /// `count x C x H x W` floats.
        case floats([Float])

        var count: Int {
            switch self {
            case .bytes(let b): return b.count
            case .floats(let f): return f.count
            }
        }
    }

    /// The file or directory named in errors about this data (the images file, the root).
    public let origin: String
    /// The stored shape of one image: `[C, H, W]`.
    public let shape: [Int]
    public let pixels: Pixels
    public let labels: [Int32]
    public let classes: Int

    public var count: Int { labels.count }
    public var channels: Int { shape[0] }
    /// `C * H * W`.
    public var exampleSize: Int { shape[0] * shape[1] * shape[2] }

    /// Checks that the pixels hold `labels.count` images of `shape` and every label is below `classes`.
    public init(origin: String, shape: [Int], pixels: Pixels, labels: [Int32], classes: Int) throws(FileError) {
        guard shape.count == 3, shape.allSatisfy({ $0 >= 1 }) else {
            throw FileError(path: origin, kind: .format, message: "images must have a shape C x H x W of at least 1 each, found \(shapeText(shape))")
        }
        guard !labels.isEmpty else { throw FileError(path: origin, kind: .setting, message: "holds no examples") }
        let (size, o1) = shape[0].multipliedReportingOverflow(by: shape[1])
        let (size2, o2) = size.multipliedReportingOverflow(by: shape[2])
        let (total, o3) = size2.multipliedReportingOverflow(by: labels.count)
        guard !o1, !o2, !o3, total == pixels.count else {
            throw FileError(path: origin, kind: .mismatch,
                            message: "\(pixels.count) pixel values are not \(labels.count) images of \(shapeText(shape))")
        }
        _ = try Labels.check(labels.map(Int64.init), classes: classes, path: origin)
        self.origin = origin
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
        self.classes = classes
    }

    /// Loads the data a config's `data:` section describes.
    ///
    /// - `input`: the model's input `[C, H, W]`. Folders of images are converted to its
    ///   channel count (gray to RGB by repetition, RGB to gray by ITU-R 601 luma, as PIL);
    ///   the other sources must already have it. Synthetic data has exactly this shape.
    /// - `seed`: the seed of synthetic data (the other sources ignore it).
    ///
    /// Relative paths are resolved against the directory of the config file that wrote them
    /// (a `--set` override's paths are relative to the working directory).
    public static func open(_ source: DataSource, classes: Int, input: [Int], seed: Int = 0) throws(FileError) -> Dataset {
        func resolved(_ p: Located<String>) -> String { ConfigLoader.resolvePath(p.value, relativeTo: p.location.file) }
        guard input.count == 3, input.allSatisfy({ $0 >= 1 }) else {
            throw FileError(path: source.location.description, kind: .setting, message: "the model's input must be C x H x W, found \(shapeText(input))")
        }
        let dataset: Dataset
        switch source.format {
        case .idx(let images, let labels):
            dataset = try IDX.load(images: resolved(images), labels: resolved(labels), classes: classes)
        case .npy(let images, let labels):
            dataset = try NPYData.load(images: resolved(images), labels: resolved(labels), classes: classes)
        case .cifar(let files, let variant):
            switch files {
            case .root(let root, let split):
                dataset = try CIFAR.load(files: CIFAR.files(root: resolved(root), variant: variant, split: split), variant: variant, classes: classes)
            case .files(let list):
                dataset = try CIFAR.load(files: list.map(resolved), variant: variant, classes: classes)
            }
        case .folder(let root):
            let geometry = ImageFolder.Geometry(resize: source.resize, crop: source.centerCrop ?? source.resize)
            dataset = try ImageFolder.load(root: resolved(root), channels: input[0], geometry: geometry, classes: classes)
        case .synthetic(let samples):
            dataset = try synthetic(samples: samples, shape: input, classes: classes, seed: seed, origin: source.location.description)
        }
        guard dataset.channels == input[0] else {
            throw FileError(path: dataset.origin, kind: .mismatch,
                            message: "images have \(dataset.channels) channel\(dataset.channels == 1 ? "" : "s"); the model's input has \(input[0])")
        }
        return dataset
    }

    /// Uniform random bytes and labels from `seed`.
    public static func synthetic(samples: Int, shape: [Int], classes: Int, seed: Int, origin: String = "<synthetic>") throws(FileError) -> Dataset {
        guard samples >= 1, classes >= 1, shape.count == 3, shape.allSatisfy({ $0 >= 1 }) else {
            throw FileError(path: origin, kind: .setting, message: "synthetic data needs at least 1 sample, 1 class and a C x H x W shape")
        }
        guard let size = checkedProduct(shape), let total = checkedProduct([samples, size]), total <= maximumPixelValues else {
            throw FileError(path: origin, kind: .setting, message: "\(samples) synthetic images of \(shapeText(shape)) are more than \(maximumPixelValues) pixel values")
        }
        var rng = SplitMix64(seed: CounterKey.hash(UInt64(bitPattern: Int64(seed)), CounterKey.synthetic))
        var pixels = [UInt8](repeating: 0, count: total)
        pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                var word = rng.next()
                for _ in 0 ..< min(8, p.count - i) {
                    p[i] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    i += 1
                }
            }
        }
        let labels = (0 ..< samples).map { _ in Int32(CounterKey.below(UInt64(classes), &rng)) }
        return try Dataset(origin: origin, shape: shape, pixels: .bytes(pixels), labels: labels, classes: classes)
    }

    /// The mean image (`C x H x W`, in stored pixel units), AlexNet's per-pixel mean.
    public func meanImage() -> [Float] {
        let size = exampleSize
        var sums = [Double](repeating: 0, count: size)
        sums.withUnsafeMutableBufferPointer { s in
            switch pixels {
            case .bytes(let b): b.withUnsafeBufferPointer { accumulate($0, into: s, size: size) }
            case .floats(let f): f.withUnsafeBufferPointer { accumulate($0, into: s, size: size) }
            }
        }
        let n = Double(count)
        return sums.map { Float($0 / n) }
    }

    private func accumulate<P: PixelValue>(_ src: UnsafeBufferPointer<P>, into sums: UnsafeMutableBufferPointer<Double>, size: Int) {
        for e in 0 ..< count {
            let base = e * size
            for i in 0 ..< size { sums[i] += Double(src[base + i].floatValue) }
        }
    }
}

/// The most pixel values a dataset or a batch may hold (16 GiB of floats): sizes from a config
/// or a file are checked against it before anything is allocated.
let maximumPixelValues = 1 << 32

/// The product of `values`, or nil if it overflows.
func checkedProduct(_ values: [Int]) -> Int? {
    var p = 1
    for v in values {
        let (r, overflow) = p.multipliedReportingOverflow(by: v)
        guard !overflow else { return nil }
        p = r
    }
    return p
}

/// The element types images are stored in.
protocol PixelValue: Sendable {
    var floatValue: Float { get }
}

extension UInt8: PixelValue {
    @inline(__always) var floatValue: Float { Float(self) }
}

extension Float: PixelValue {
    @inline(__always) var floatValue: Float { self }
}
