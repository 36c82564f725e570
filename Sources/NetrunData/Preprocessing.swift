import NetrunFormats
import NetrunConfig

/// What happens to a stored image on its way into a batch: normalization, then (training)
/// the augmentations, or (evaluation) the views.
///
/// Normalization: `(pixel / scale - mean) / std`, per channel; with `per_pixel` the mean is
/// the training set's mean image (`Dataset.meanImage()`, stored units), so
/// `(pixel - meanImage) / scale / std`.
public struct Preprocessing: Sendable {
    public enum Mean: Equatable, Sendable {
        /// One value per channel, in `pixel / scale` units.
        case channels([Float])
        /// The training set's mean image, `C x H x W` in stored pixel units.
        case image([Float])
    }

    public struct RandomCrop: Equatable, Sendable {
        public var size: Int
        public var pad: Int
    }

    /// The model's input `[C, H, W]`: the shape of every view in a batch.
    public var input: [Int]
    public var scale: Float
    public var mean: Mean
    /// One per channel.
    public var std: [Float]
    /// Training only: a random `size` crop of the image padded with `pad` black pixels
    /// (0 before normalization); without it, training takes the central crop.
    public var randomCrop: RandomCrop?
    /// Training only: the probability of a horizontal flip.
    public var mirror: Double?
    /// Training only: the standard deviation of the PCA noise draws, and the components.
    public var pcaStd: Double?
    public var pca: ColorPCA?
    /// Training only: torchvision's RandomErasing, on the normalized view (whatever its place in the list).
    public var erasing: RandomErasing?
    /// True when the PCA noise comes after the crop in the config's list, so padding gets it too.
    public var pcaAfterCrop: Bool
    /// Evaluation: the central crop, or ten views (four corners and the center, then each mirrored).
    public var views: EvalConfig.Views

    /// The preprocessing a `data:` section, its `augment` list and `eval.views` describe.
    /// Errors (a mean or std with the wrong number of values, PCA noise without RGB or
    /// without its components, `per_pixel` without the mean image) name the data section.
    public init(source: DataSource, input: [Int], augment: [Augmentation] = [], views: EvalConfig.Views = .center,
                meanImage: [Float]? = nil, pca: ColorPCA? = nil) throws(FileError) {
        let at = source.location.description
        guard input.count == 3, input.allSatisfy({ $0 >= 1 }) else {
            throw FileError(path: at, kind: .setting, message: "the model's input must be C x H x W, found \(shapeText(input))")
        }
        guard let size = checkedProduct(input), size <= maximumPixelValues else {
            throw FileError(path: at, kind: .setting, message: "the model's input \(shapeText(input)) is too large for a batch")
        }
        let channels = input[0]
        func perChannel(_ values: [Double], _ what: String) throws(FileError) -> [Float] {
            if values.count == 1 { return Array(repeating: Float(values[0]), count: channels) }
            guard values.count == channels else {
                throw FileError(path: at, kind: .mismatch, message: "\(what) has \(values.count) values; the model's input has \(channels) channels")
            }
            return values.map(Float.init)
        }
        self.input = input
        scale = Float(source.scale)
        std = try perChannel(source.std, "std")
        switch source.mean {
        case .none: mean = .channels(Array(repeating: 0, count: channels))
        case .perChannel(let values): mean = .channels(try perChannel(values, "mean"))
        case .perPixel:
            guard let meanImage else {
                throw FileError(path: at, kind: .setting, message: "mean: per_pixel needs the training set's mean image (Dataset.meanImage())")
            }
            mean = .image(meanImage)
        }
        var cropIndex: Int?, pcaIndex: Int?
        for (i, a) in augment.enumerated() {
            switch a {
            case .randomCrop(let size, let pad):
                randomCrop = RandomCrop(size: size.value, pad: pad)
                cropIndex = i
            case .mirror(let p): mirror = p
            case .pcaColor(let s):
                guard channels == 3 else { throw FileError(path: at, kind: .mismatch, message: "pca_color needs RGB input; the model's input has \(channels) channels") }
                guard let pca else { throw FileError(path: at, kind: .setting, message: "pca_color needs the training set's components (ColorPCA.cached)") }
                pcaStd = s
                self.pca = pca
                pcaIndex = i
            case .randomErasing(let e): erasing = e
            case .mixup, .cutmix: break  // batch-level: the trainer's BatchMixing
            }
        }
        pcaAfterCrop = (cropIndex ?? -1) < (pcaIndex ?? -1) && cropIndex != nil
        self.views = views
    }

    /// Views per example in an evaluation batch.
    public var evaluationViews: Int {
        switch views {
        case .center: 1
        case .mirror: 2
        case .tenCrop: 10
        }
    }
}
