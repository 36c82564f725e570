/// The `train:` section: optimizer, schedule, data, augmentation, averaging, checkpoints.
public struct TrainConfig: Equatable, Sendable {
    /// How long to train: epochs or steps.
    public var length: Located<DurationConfig>
    public var batch: Located<Int>
    /// Micro-batches per step (gradient accumulation): each of `batch / accumulate` examples
    /// (per rank), their gradients averaged into one optimizer update.
    public var accumulate: Located<Int>
    public var seed: Int
    public var optimizer: OptimizerConfig
    public var schedule: ScheduleConfig
    public var data: DataSource
    public var augment: [Augmentation]
    public var averaging: Averaging?
    public var checkpoint: CheckpointConfig
    public var location: SourceLocation
}

/// The optimizer, as PyTorch computes it, and the settings every algorithm shares.
public struct OptimizerConfig: Equatable, Sendable {
    public enum Algorithm: Equatable, Sendable {
        /// PyTorch's SGD (dampening 0): `d = g + decay*w; v = momentum*v + d; w -= lr*v`
        /// (Nesterov: `w -= lr*(d + momentum*v)`).
        case sgd(momentum: Double, nesterov: Bool)
        /// Adam, bias-corrected, eps outside the square root (`decoupled: true` is AdamW).
        case adam(beta1: Double, beta2: Double, eps: Double, decoupled: Bool)
    }

    public var algorithm: Algorithm
    public var lr: Located<Double>
    /// L2 decay added to the gradient (SGD, Adam) or decoupled from it (AdamW).
    public var weightDecay: Double
    /// Clip the global L2 norm of all gradients to this first (`torch.nn.utils.clip_grad_norm_`).
    public var clipNorm: Double?
    /// Whether weight decay applies to biases and other 1-D tensors (batch norm, scale); PyTorch's default is yes.
    public var decayBias: Bool
    /// Lookahead (Zhang et al. 2019) around the algorithm: every `k` steps the slow weights
    /// move `alpha` of the way to the fast ones, and the fast ones restart from there.
    public var lookahead: Lookahead?

    public struct Lookahead: Equatable, Sendable {
        public var k: Int
        public var alpha: Double

        public init(k: Int = 5, alpha: Double = 0.5) {
            self.k = k
            self.alpha = alpha
        }
    }

    public init(algorithm: Algorithm, lr: Located<Double>, weightDecay: Double = 0, clipNorm: Double? = nil, decayBias: Bool = true,
                lookahead: Lookahead? = nil) {
        self.algorithm = algorithm
        self.lr = lr
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
        self.decayBias = decayBias
        self.lookahead = lookahead
    }
}

/// The learning rate as a function of the step (and, for `plateau`, of validation results).
public struct ScheduleConfig: Equatable, Sendable {
    public enum Policy: Equatable, Sendable {
        case fixed
        /// `lr * factor^floor(t / every)`.
        case step(factor: Double, every: DurationConfig)
        /// `lr * factor^(number of milestones passed)`.
        case multistep(factor: Double, at: [DurationConfig])
        /// `lr * factor^(t / every)`, or `floor(t / every)` with `staircase` ("4% every 8 epochs").
        case exponential(factor: Double, every: DurationConfig, staircase: Bool)
        /// `lr * (1 - t/T)^power`.
        case poly(power: Double)
        /// `min + (lr - min) * (1 + cos(pi t/T)) / 2`.
        case cosine(minLR: Double)
        /// `lr *= factor` when `monitor` has not improved by `threshold` for `patience` evaluations.
        case plateau(factor: Double, monitor: MonitorConfig, patience: Int, threshold: Double, minLR: Double)
        /// PyTorch's `OneCycleLR`: from `lr / div_factor` up to `lr`, then down to
        /// `lr / (div_factor · final_div_factor)`, with the momentum cycled the other way.
        case oneCycle(OneCycle)
    }

    /// `OneCycleLR`'s settings, with its names; the peak rate is the optimizer's `lr`.
    public struct OneCycle: Equatable, Sendable {
        public enum Anneal: String, Equatable, Sendable, CaseIterable { case cos, linear }

        /// The share of the run spent rising.
        public var pctStart: Double
        public var divFactor: Double
        public var finalDivFactor: Double
        public var anneal: Anneal
        /// Three phases (up, down to the start, down to the end) instead of two.
        public var threePhase: Bool
        /// SGD's momentum (Adam's beta1) from `max` down to `base` while the rate rises, and
        /// back; nil keeps the optimizer's own.
        public var momentum: (base: Double, max: Double)?

        public init(pctStart: Double = 0.3, divFactor: Double = 25, finalDivFactor: Double = 1e4, anneal: Anneal = .cos,
                    threePhase: Bool = false, momentum: (base: Double, max: Double)? = (0.85, 0.95)) {
            self.pctStart = pctStart
            self.divFactor = divFactor
            self.finalDivFactor = finalDivFactor
            self.anneal = anneal
            self.threePhase = threePhase
            self.momentum = momentum
        }

        public static func == (a: OneCycle, b: OneCycle) -> Bool {
            a.pctStart == b.pctStart && a.divFactor == b.divFactor && a.finalDivFactor == b.finalDivFactor && a.anneal == b.anneal
                && a.threePhase == b.threePhase && a.momentum?.base == b.momentum?.base && a.momentum?.max == b.momentum?.max
        }
    }

    /// Linear warmup from `startFactor * lr` to the schedule's value over `length`.
    public struct Warmup: Equatable, Sendable {
        public var length: DurationConfig
        public var startFactor: Double

        public init(length: DurationConfig, startFactor: Double) {
            self.length = length
            self.startFactor = startFactor
        }
    }

    public var policy: Policy
    public var warmup: Warmup?

    public init(policy: Policy = .fixed, warmup: Warmup? = nil) {
        self.policy = policy
        self.warmup = warmup
    }
}

/// Where examples come from, and the preprocessing applied in training and evaluation alike.
public struct DataSource: Equatable, Sendable {
    public enum Format: Equatable, Sendable {
        /// MNIST-style IDX files (optionally .gz): images and labels.
        case idx(images: Located<String>, labels: Located<String>)
        /// NumPy arrays: images N x C x H x W (uint8 or float32), labels N (integers, or float32 holding integers).
        case npy(images: Located<String>, labels: Located<String>)
        /// CIFAR-10/100 binary batches: a directory and a split, or the batch files themselves.
        case cifar(CIFARFiles, variant: CIFARVariant)
        /// One folder per class of JPEG/PNG images, classes sorted by name.
        case folder(root: Located<String>)
        /// Random images and labels: for benchmarks and smoke tests, needs no files.
        case synthetic(samples: Int)
    }

    /// CIFAR-10 records are a label byte and 3072 pixel bytes; CIFAR-100 records a coarse and
    /// a fine label byte (the fine one is used) and 3072 pixel bytes.
    public enum CIFARVariant: Int, Equatable, Sendable, CaseIterable {
        case cifar10 = 10
        case cifar100 = 100
    }

    public enum CIFARSplit: String, Equatable, Sendable, CaseIterable {
        case train, test
    }

    public enum CIFARFiles: Equatable, Sendable {
        /// The extracted archive's directory: `data_batch_1.bin` ... `data_batch_5.bin` and
        /// `test_batch.bin` (CIFAR-10), `train.bin` and `test.bin` (CIFAR-100).
        case root(Located<String>, split: CIFARSplit)
        /// Batch files, read in this order.
        case files([Located<String>])
    }

    /// Mean subtracted from the input: one value per channel, or the training set's per-pixel mean image.
    public enum Mean: Equatable, Sendable {
        case none
        case perChannel([Double])
        case perPixel
    }

    public var format: Format
    /// Resize so that the shorter side has this length (folders of images).
    public var resize: Int?
    /// Central crop after resizing.
    public var centerCrop: Int?
    /// Pixel values are divided by this before normalizing (255 maps bytes to [0, 1]).
    public var scale: Double
    public var mean: Mean
    /// Per-channel standard deviation divided out after the mean (1 for none).
    public var std: [Double]
    /// Reshuffle the examples every epoch (training data only; evaluation reads in order).
    public var shuffle: Bool
    /// Training only: make only full batches, leaving out each epoch's last `N mod batch`
    /// examples (PyTorch's `drop_last=True`); false adds a last, smaller batch per epoch.
    public var dropLast: Bool
    public var location: SourceLocation

    /// Training steps an epoch of `examples` takes at `batch` examples a step.
    public func stepsPerEpoch(examples: Int, batch: Int) -> Int {
        Self.stepsPerEpoch(examples: examples, batch: batch, dropLast: dropLast)
    }

    /// `examples / batch` steps with `dropLast`, else `ceil(examples / batch)` (0 for batch 0).
    public static func stepsPerEpoch(examples: Int, batch: Int, dropLast: Bool) -> Int {
        guard batch > 0 else { return 0 }
        return dropLast ? examples / batch : (examples + batch - 1) / batch
    }
}

public enum Augmentation: Equatable, Sendable {
    /// A random `size` crop of the image padded by `pad` (padding is black: 0 before normalization).
    case randomCrop(size: Located<Int>, pad: Int)
    /// Horizontal flip with probability `p`.
    case mirror(p: Double)
    /// Krizhevsky et al.'s "fancy PCA" color noise: `+ [p1 p2 p3][a1 l1, a2 l2, a3 l3]^T`, `a ~ N(0, std)`.
    case pcaColor(std: Double)
    /// torchvision's RandomErasing (Zhong et al. 2017) after normalization: with probability
    /// `p`, a rectangle of `scale` of the area and aspect ratio `ratio` (log-uniform) set to `value`.
    case randomErasing(RandomErasing)
    /// timm's Mixup over the step's whole batch (Zhang et al. 2018): with probability `p`,
    /// each example becomes `λ·x + (1 − λ)·partner`, `λ ~ Beta(alpha, alpha)`, the partner the
    /// example at the mirrored place of the batch, and the loss `λ·L(y) + (1 − λ)·L(y')`.
    case mixup(alpha: Double, p: Double)
    /// timm's CutMix (Yun et al. 2019): with probability `p` (taken before mixup's), a box of
    /// `√(1 − λ)` of the height and width, `λ ~ Beta(alpha, alpha)`, pasted from the partner,
    /// and λ corrected to the box's clipped area.
    case cutmix(alpha: Double, p: Double)
}

public struct RandomErasing: Equatable, Sendable {
    public var p: Double
    public var scale: ClosedRange<Double>
    public var ratio: ClosedRange<Double>
    public var value: Double

    public init(p: Double, scale: ClosedRange<Double>, ratio: ClosedRange<Double>, value: Double) {
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
    }
}

/// Averaging of the weights for the final model.
public enum Averaging: Equatable, Sendable {
    /// Polyak-Ruppert: the uniform average of the weights from `start` on.
    case polyak(start: DurationConfig?)
    /// Exponential moving average with the given decay.
    case ema(decay: Double)
}

public struct CheckpointConfig: Equatable, Sendable {
    public var directory: Located<String>
    public var every: DurationConfig
    /// How many periodic checkpoints to keep (older ones are deleted).
    public var keep: Int
    /// Also keep the best checkpoint by this measure.
    public var best: MonitorConfig?
}
