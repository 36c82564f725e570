// The tables of the `train` and `eval` sections: each mapping's keys with their types,
// ranges, defaults and meaning. The train decoder takes its allowed keys from here, and
// `netrun schema` prints them.

/// A mapping of the config outside the model: its settings, its sub-mappings, and (for
/// mappings with a `type`, `policy` or `format`) one set of settings per variant.
public struct SectionSpec: Sendable {
    /// A sub-mapping: `optimizer`, `schedule`, `data`, ...; `list`: a list of them (`augment`).
    public struct Child: Sendable {
        public let key: String
        public let section: String
        public let required: Bool
        public let doc: String
    }

    /// The settings that depend on a discriminating key's value.
    public struct Variants: Sendable {
        public struct Case: Sendable {
            public let name: String
            public let settings: [SettingSpec]
        }
        public let key: String
        public let cases: [Case]

        public func settings(of name: String) -> [SettingSpec]? { cases.first { $0.name == name }?.settings }
    }

    public let name: String
    public let doc: String
    public let settings: [SettingSpec]
    public let children: [Child]
    public let variants: Variants?

    /// Every key the mapping accepts for a variant (or with no variants).
    public func keys(variant: String? = nil) -> [String] {
        var keys = settings.map(\.key) + children.map(\.key)
        if let variants {
            keys.append(variants.key)
            keys += variant.flatMap { variants.settings(of: $0) }?.map(\.key) ?? []
        }
        return keys
    }

    public func setting(_ key: String, variant: String? = nil) -> SettingSpec? {
        settings.first { $0.key == key } ?? variant.flatMap { variants?.settings(of: $0) }?.first { $0.key == key }
    }

    static func child(_ key: String, _ section: String, required: Bool = false, _ doc: String) -> Child {
        Child(key: key, section: section, required: required, doc: doc)
    }
}

extension SectionSpec {
    public static let lr = SettingSpec("lr", .number(min: 0, exclusiveMin: true), required: true, noun: "a learning rate", doc: "the learning rate")
    public static let decay = SettingSpec("weight_decay", .number(min: 0), default: .number(0), noun: "a weight decay",
                                          doc: "L2 weight decay (added to the gradient; decoupled for AdamW)")

    public static let train = SectionSpec(
        name: "train", doc: "How to train the model.",
        settings: [
            SettingSpec("epochs", .int(min: 1, max: Limits.epochs), noun: "an epoch count", doc: "the length of the run in epochs (or give steps)"),
            SettingSpec("steps", .int(min: 1, max: Limits.steps), noun: "a step count", doc: "the length of the run in steps (or give epochs)"),
            SettingSpec("batch", .int(min: 1, max: Limits.batch), required: true, noun: "a batch size", doc: "examples per step"),
            SettingSpec("accumulate", .int(min: 1, max: Limits.batch), default: .int(1), noun: "a micro-batch count",
                        doc: "gradient accumulation: the step's batch runs as this many micro-batches (less memory), averaged into one update; batch norm sees each micro-batch"),
            SettingSpec("seed", .int(min: 0, max: Int.max), default: .int(0), noun: "a seed",
                        doc: "seeds initialization, shuffling, augmentation and dropout"),
        ],
        children: [
            child("optimizer", "optimizer", required: true, "The optimizer."),
            child("schedule", "schedule", "The learning-rate schedule (default: fixed)."),
            child("data", "data", required: true, "The training data."),
            child("augment", "augment", "Augmentations, applied in order: - random_crop: {size, pad}, - mirror: {p}, - pca_color: {std}, - random_erasing: {p, scale, ratio, value} (last, after normalization)."),
            child("averaging", "averaging", "Weight averaging for evaluation and the final model."),
            child("checkpoint", "checkpoint", "Where and how often to save."),
        ],
        variants: nil)

    public static let optimizer = SectionSpec(
        name: "optimizer", doc: "The optimizer, as PyTorch computes it.",
        settings: [
            SettingSpec("clip_norm", .number(min: 0, exclusiveMin: true), noun: "a gradient norm",
                        doc: "clip the global L2 norm of all gradients to this first (torch.nn.utils.clip_grad_norm_)"),
            SettingSpec("decay_bias", .bool, default: .bool(true),
                        doc: "weight decay on biases and other 1-D tensors (batch norm, scale) too, as PyTorch by default"),
        ], children: [child("lookahead", "lookahead", "Lookahead around the optimizer (Zhang et al. 2019).")],
        variants: Variants(key: "type", cases: [
            .init(name: "sgd", settings: [
                lr,
                SettingSpec("momentum", .number(min: 0, max: 1), default: .number(0), noun: "a momentum", doc: "momentum (PyTorch's convention)"),
                decay,
                SettingSpec("nesterov", .bool, default: .bool(false), doc: "Nesterov momentum"),
            ]),
            .init(name: "adam", settings: [
                lr,
                SettingSpec("betas", .numbers(exclusiveMin: nil), noun: "betas", doc: "[beta1, beta2] (default [0.9, 0.999])"),
                SettingSpec("eps", .number(min: 0, exclusiveMin: true), default: .number(1e-8), noun: "eps", doc: "added to the denominator"),
                decay,
                SettingSpec("decoupled", .bool, default: .bool(false), doc: "decoupled weight decay (AdamW)"),
            ]),
        ]))

    static let factor = SettingSpec("factor", .number(min: 0, max: 1), required: true, noun: "a factor", doc: "the multiplier of each decay")
    static let every = SettingSpec("every", .duration, required: true, noun: "a duration", doc: "the decay period: 8 epochs, 500 steps")
    static let minLR = SettingSpec("min_lr", .number(min: 0), default: .number(0), noun: "a learning rate", doc: "the lowest learning rate")

    public static let schedule = SectionSpec(
        name: "schedule", doc: "The learning rate as a function of the step.",
        settings: [], children: [child("warmup", "warmup", "A linear warmup before the policy.")],
        variants: Variants(key: "policy", cases: [
            .init(name: "fixed", settings: []),
            .init(name: "step", settings: [factor, every]),
            .init(name: "multistep", settings: [factor, SettingSpec("at", .durations, required: true, noun: "a list of milestones",
                                                                    doc: "milestones, increasing: [30 epochs, 60 epochs]")]),
            .init(name: "exponential", settings: [factor, every, SettingSpec("staircase", .bool, default: .bool(false),
                                                                              doc: "decay in steps (factor^floor(t/every)) rather than smoothly")]),
            .init(name: "poly", settings: [SettingSpec("power", .number(min: 0, exclusiveMin: true), required: true, noun: "a power",
                                                       doc: "lr * (1 - t/T)^power")]),
            .init(name: "cosine", settings: [minLR]),
            .init(name: "plateau", settings: [
                factor,
                SettingSpec("monitor", .choice(MonitorConfig.allCases.map(\.rawValue)), default: .choice("val_loss"), doc: "the metric watched"),
                SettingSpec("patience", .int(min: 0, max: Limits.patience), default: .int(1), noun: "a patience",
                            doc: "evaluations without improvement before the rate drops"),
                SettingSpec("threshold", .number(min: 0), default: .number(1e-4), noun: "a threshold", doc: "the smallest change that counts as improvement"),
                minLR,
            ]),
            .init(name: "one_cycle", settings: [
                SettingSpec("pct_start", .number(min: 0, max: 1, exclusiveMin: true), default: .number(0.3), noun: "a share of the run",
                            doc: "the share of the run spent raising the rate to lr"),
                SettingSpec("div_factor", .number(min: 0, exclusiveMin: true), default: .number(25), noun: "a factor",
                            doc: "the first rate is lr / div_factor"),
                SettingSpec("final_div_factor", .number(min: 0, exclusiveMin: true), default: .number(1e4), noun: "a factor",
                            doc: "the last rate is lr / (div_factor * final_div_factor)"),
                SettingSpec("anneal_strategy", .choice(ScheduleConfig.OneCycle.Anneal.allCases.map(\.rawValue)), default: .choice("cos"),
                            doc: "how the rate moves within a phase"),
                SettingSpec("three_phase", .bool, default: .bool(false),
                            doc: "down to the first rate before the end, then to the last (PyTorch's three_phase)"),
                SettingSpec("cycle_momentum", .bool, default: .bool(true),
                            doc: "cycle SGD's momentum (Adam's beta1) between max_momentum and base_momentum, inversely to the rate; replaces the optimizer's"),
                SettingSpec("base_momentum", .number(min: 0, max: 1), default: .number(0.85), noun: "a momentum",
                            doc: "the momentum at the peak rate"),
                SettingSpec("max_momentum", .number(min: 0, max: 1), default: .number(0.95), noun: "a momentum",
                            doc: "the momentum at the lowest rates"),
            ]),
        ]))

    public static let lookahead = SectionSpec(
        name: "lookahead", doc: "Lookahead (Zhang et al. 2019): slow weights that follow the optimizer's every k steps.",
        settings: [
            SettingSpec("k", .int(min: 1, max: Limits.steps), default: .int(5), noun: "a step count",
                        doc: "optimizer steps between synchronizations"),
            SettingSpec("alpha", .number(min: 0, max: 1, exclusiveMin: true), default: .number(0.5), noun: "a step size",
                        doc: "the share of the way the slow weights move to the fast ones, which then restart from them"),
        ], children: [], variants: nil)

    public static let warmup = SectionSpec(
        name: "warmup", doc: "A linear warmup from start_factor * lr.",
        settings: [
            SettingSpec("length", .duration, required: true, noun: "a duration", doc: "how long: 2 epochs, 500 steps"),
            SettingSpec("start_factor", .number(min: 0, max: 1), default: .number(0), noun: "a start factor", doc: "the first step's share of the rate"),
        ], children: [], variants: nil)

    static let dataCommon = [
        SettingSpec("scale", .number(min: 0, exclusiveMin: true), default: .number(1), noun: "a scale", doc: "pixel values are divided by it"),
        SettingSpec("mean", .mean, noun: "a mean", doc: "subtracted: a number, one per channel, or per_pixel (the training set's mean image)"),
        SettingSpec("std", .numbers(exclusiveMin: 0), noun: "a standard deviation", doc: "divided out after the mean: a number or one per channel"),
        SettingSpec("shuffle", .bool, default: .bool(true), doc: "reshuffle the examples every epoch from the seed (training; evaluation reads in order)"),
        SettingSpec("drop_last", .bool, default: .bool(true),
                    doc: "training: only full batches, leaving out each epoch's last examples that do not fill one (false: a last, smaller batch, as PyTorch's default)"),
    ]

    public static let data = SectionSpec(
        name: "data", doc: "Where examples come from, and their preprocessing.", settings: dataCommon, children: [],
        variants: Variants(key: "format", cases: [
            .init(name: "idx", settings: [
                SettingSpec("images", .path, required: true, doc: "an IDX image file (.gz allowed): N x H x W or N x C x H x W bytes"),
                SettingSpec("labels", .path, required: true, doc: "an IDX label file (.gz allowed): N bytes"),
            ]),
            .init(name: "npy", settings: [
                SettingSpec("images", .path, required: true, doc: "a .npy of N x C x H x W images, uint8 or float32"),
                SettingSpec("labels", .path, required: true, doc: "a .npy of N labels: int64, int32, uint8, or float32 holding whole numbers"),
            ]),
            .init(name: "cifar", settings: [
                SettingSpec("root", .path, doc: "the extracted binary archive's directory (or give files)"),
                SettingSpec("split", .choice(DataSource.CIFARSplit.allCases.map(\.rawValue)), default: .choice("train"),
                            doc: "with root: train (data_batch_1..5.bin, train.bin) or test (test_batch.bin, test.bin)"),
                SettingSpec("files", .paths, noun: "a list of batch files", doc: "the batch files to read, in order (or give root)"),
                SettingSpec("variant", .int(min: 10, max: 100), default: .int(10), noun: "a CIFAR variant",
                            doc: "10 (a label byte per record) or 100 (coarse and fine label bytes; the fine label is used)"),
            ]),
            .init(name: "folder", settings: [
                SettingSpec("root", .path, required: true, doc: "a directory with one folder of JPEG/PNG images per class, classes sorted by name"),
                SettingSpec("resize", .int(min: 1, max: Limits.size), noun: "a size", doc: "resize so that the shorter side has this length"),
                SettingSpec("crop", .int(min: 1, max: Limits.size), noun: "a size", doc: "central crop after resizing (default: resize, a square)"),
            ]),
            .init(name: "synthetic", settings: [
                SettingSpec("samples", .int(min: 1, max: Limits.samples), default: .int(1024), noun: "a sample count", doc: "random examples"),
            ]),
        ]))

    public static let augment = SectionSpec(
        name: "augment", doc: "Augmentations, in order, each `- name: {settings}` or `- name`.", settings: [], children: [],
        variants: Variants(key: "-", cases: [
            .init(name: "random_crop", settings: [
                SettingSpec("size", .int(min: 1, max: Limits.size), required: true, noun: "a crop size", doc: "the crop's side (the model's input)"),
                SettingSpec("pad", .int(min: 0, max: Limits.window), default: .int(0), noun: "a padding", doc: "black padding (0 before normalization) before cropping"),
            ]),
            .init(name: "mirror", settings: [SettingSpec("p", .number(min: 0, max: 1), default: .number(0.5), noun: "a probability",
                                                         doc: "the probability of a horizontal flip")]),
            .init(name: "pca_color", settings: [SettingSpec("std", .number(min: 0), default: .number(0.1), noun: "a standard deviation",
                                                            doc: "Krizhevsky et al.'s PCA color noise")]),
            .init(name: "random_erasing", settings: [
                SettingSpec("p", .number(min: 0, max: 1), default: .number(0.5), noun: "a probability", doc: "the probability of erasing"),
                SettingSpec("scale", .interval(exclusiveMin: 0, max: 1), default: .numberList([0.02, 0.33]), noun: "an area range",
                            doc: "the erased share of the image's area, drawn uniformly from [low, high]"),
                SettingSpec("ratio", .interval(exclusiveMin: 0, max: nil), default: .numberList([0.3, 3.3]), noun: "an aspect range",
                            doc: "the rectangle's height over width, drawn log-uniformly from [low, high]"),
                SettingSpec("value", .number(), default: .number(0), noun: "a value", doc: "what erased pixels become, after normalization"),
            ]),
            .init(name: "mixup", settings: [
                SettingSpec("alpha", .number(min: 0, exclusiveMin: true), default: .number(0.2), noun: "an alpha",
                            doc: "λ ~ Beta(alpha, alpha) per step"),
                SettingSpec("p", .number(min: 0, max: 1), default: .number(1), noun: "a probability",
                            doc: "the probability that a step's batch is mixed (when cutmix did not take it)"),
            ]),
            .init(name: "cutmix", settings: [
                SettingSpec("alpha", .number(min: 0, exclusiveMin: true), default: .number(1), noun: "an alpha",
                            doc: "λ ~ Beta(alpha, alpha) per step; the box is sqrt(1 - λ) of each side"),
                SettingSpec("p", .number(min: 0, max: 1), default: .number(1), noun: "a probability",
                            doc: "the probability that a step's batch gets CutMix (drawn before mixup's)"),
            ]),
        ]))

    public static let averaging = SectionSpec(
        name: "averaging", doc: "Averaged weights, used by evaluation and the final model.", settings: [], children: [],
        variants: Variants(key: "type", cases: [
            .init(name: "polyak", settings: [SettingSpec("start", .duration, noun: "a start", doc: "average from here on (default: the start)")]),
            .init(name: "ema", settings: [SettingSpec("decay", .number(min: 0, max: 1), required: true, noun: "a decay",
                                                      doc: "the exponential moving average's decay")]),
        ]))

    public static let checkpoint = SectionSpec(
        name: "checkpoint", doc: "Where and how often to save.",
        settings: [
            SettingSpec("dir", .path, doc: "the run directory (default: runs/<name>)"),
            SettingSpec("every", .duration, noun: "a duration", doc: "how often (default: 1 epoch)"),
            SettingSpec("keep", .int(min: 1, max: Limits.keep), default: .int(3), noun: "a count", doc: "periodic checkpoints kept"),
            SettingSpec("best", .choice(MonitorConfig.allCases.map(\.rawValue)), doc: "also keep the best checkpoint by this metric"),
        ], children: [], variants: nil)

    public static let eval = SectionSpec(
        name: "eval", doc: "How to evaluate the model.",
        settings: [
            SettingSpec("batch", .int(min: 1, max: Limits.batch), default: .int(100), noun: "a batch size", doc: "examples per evaluation step"),
            SettingSpec("views", .choice(EvalConfig.Views.allCases.map(\.rawValue)), default: .choice("center"),
                        doc: "center; mirror: the center and its mirror image, averaged; or ten_crop: four corners and center, mirrored, averaged"),
            SettingSpec("every", .duration, noun: "a duration", doc: "validate while training this often (default: 1 epoch)"),
        ],
        children: [child("data", "data", required: true, "The evaluation data.")], variants: nil)

    /// Every section, for the schema.
    public static let all = [train, optimizer, lookahead, schedule, warmup, data, augment, averaging, checkpoint, eval]
}
