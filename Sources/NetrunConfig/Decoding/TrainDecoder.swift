extension Reader {
    /// The `train:` section.
    mutating func train(_ node: YAMLNode, modelName: String) -> TrainConfig? {
        let keys = ["epochs", "steps", "batch", "seed", "optimizer", "schedule", "data", "augment", "averaging", "checkpoint"]
        guard let f = Fields(node, allowed: keys, what: "train", reader: &self) else { return nil }
        var length: Located<DurationConfig>?
        switch (f["epochs"], f["steps"]) {
        case (let e?, nil): length = int(e, min: 1, max: Limits.epochs, what: "an epoch count").map { Located(DurationConfig($0.value, .epochs), at: $0.location) }
        case (nil, let s?): length = int(s, min: 1, max: Limits.steps, what: "a step count").map { Located(DurationConfig($0.value, .steps), at: $0.location) }
        case (_?, let s?): error("give 'epochs' or 'steps', not both", at: s.location)
        case (nil, nil): error("train needs 'epochs' or 'steps'", at: node.location)
        }
        let batch = f.require("batch", what: "train", reader: &self).flatMap { int($0, min: 1, max: Limits.batch, what: "a batch size") }
        let seed = f["seed"].flatMap { int($0, min: 0, what: "a seed")?.value } ?? 0
        let optimizer = f.require("optimizer", what: "train", reader: &self).flatMap { self.optimizer($0) }
        let schedule = f["schedule"].map { self.schedule($0) } ?? ScheduleConfig()
        let data = f.require("data", what: "train", reader: &self).flatMap { self.data($0) }
        var augment: [Augmentation] = []
        if let a = f["augment"], let items = list(a, what: "a list of augmentations") {
            augment = items.compactMap { augmentation($0) }
        }
        let averaging = f["averaging"].flatMap { self.averaging($0) }
        let checkpoint = f["checkpoint"].map { self.checkpoint($0, modelName: modelName) }
            ?? CheckpointConfig(directory: Located("runs/\(modelName)", at: node.location), every: DurationConfig(1, .epochs), keep: 3, best: nil)
        guard let length, let batch, let optimizer, let schedule, let data, let checkpoint else { return nil }
        return TrainConfig(length: length, batch: batch, seed: seed, optimizer: optimizer, schedule: schedule, data: data,
                           augment: augment, averaging: averaging, checkpoint: checkpoint, location: node.location)
    }

    private enum OptimizerType: String, CaseIterable { case sgd, adam }

    mutating func optimizer(_ node: YAMLNode) -> OptimizerConfig? {
        guard let typeNode = node["type"] else {
            error("optimizer needs 'type' (sgd or adam)", at: node.location)
            return nil
        }
        guard let type = choice(typeNode, OptimizerType.self, what: "optimizer") else { return nil }
        switch type {
        case .sgd:
            guard let f = Fields(node, allowed: ["type", "lr", "momentum", "weight_decay", "nesterov"], what: "sgd optimizer", reader: &self) else { return nil }
            let lr = f.require("lr", what: "sgd optimizer", reader: &self).flatMap { double($0, min: 0, minExclusive: true, what: "a learning rate") }
            let momentum = f["momentum"].flatMap { double($0, min: 0, max: 1, what: "a momentum")?.value } ?? 0
            let decay = f["weight_decay"].flatMap { double($0, min: 0, what: "a weight decay")?.value } ?? 0
            let nesterov = f["nesterov"].flatMap { bool($0)?.value } ?? false
            if nesterov, momentum == 0, let n = f["nesterov"] { error("Nesterov momentum needs a momentum above 0", at: n.location) }
            guard let lr else { return nil }
            return .sgd(lr: lr, momentum: momentum, weightDecay: decay, nesterov: nesterov)
        case .adam:
            guard let f = Fields(node, allowed: ["type", "lr", "betas", "eps", "weight_decay", "decoupled"], what: "adam optimizer", reader: &self) else { return nil }
            let lr = f.require("lr", what: "adam optimizer", reader: &self).flatMap { double($0, min: 0, minExclusive: true, what: "a learning rate") }
            var betas = (0.9, 0.999)
            if let b = f["betas"] {
                guard let items = b.items, items.count == 2,
                      let b1 = double(items[0], min: 0, max: 0.999999, what: "beta1"), let b2 = double(items[1], min: 0, max: 0.999999, what: "beta2") else {
                    if b.items?.count != 2 { error("expected betas as [beta1, beta2]", at: b.location) }
                    return nil
                }
                betas = (b1.value, b2.value)
            }
            let eps = f["eps"].flatMap { double($0, min: 0, minExclusive: true, what: "eps")?.value } ?? 1e-8
            let decay = f["weight_decay"].flatMap { double($0, min: 0, what: "a weight decay")?.value } ?? 0
            let decoupled = f["decoupled"].flatMap { bool($0)?.value } ?? false
            guard let lr else { return nil }
            return .adam(lr: lr, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: decay, decoupled: decoupled)
        }
    }

    private enum PolicyName: String, CaseIterable { case fixed, step, multistep, exponential, poly, cosine, plateau }

    mutating func schedule(_ node: YAMLNode) -> ScheduleConfig? {
        guard let policyNode = node["policy"] else {
            error("schedule needs 'policy' (one of: \(PolicyName.allCases.map(\.rawValue).joined(separator: ", ")))", at: node.location)
            return nil
        }
        guard let name = choice(policyNode, PolicyName.self, what: "schedule policy") else { return nil }
        let own: [String] = switch name {
        case .fixed: []
        case .step: ["factor", "every"]
        case .multistep: ["factor", "at"]
        case .exponential: ["factor", "every", "staircase"]
        case .poly: ["power"]
        case .cosine: ["min_lr"]
        case .plateau: ["factor", "monitor", "patience", "threshold", "min_lr"]
        }
        let what = "\(name.rawValue) schedule"
        guard let f = Fields(node, allowed: ["policy", "warmup"] + own, what: what, reader: &self) else { return nil }
        let factor = own.contains("factor") ? f.require("factor", what: what, reader: &self).flatMap { double($0, min: 0, max: 1, what: "a factor")?.value } : 1
        let minLR = f["min_lr"].flatMap { double($0, min: 0, what: "a learning rate")?.value } ?? 0
        var policy: ScheduleConfig.Policy?
        switch name {
        case .fixed: policy = .fixed
        case .step:
            if let factor, let every = f.require("every", what: what, reader: &self).flatMap({ duration($0) }) {
                policy = .step(factor: factor, every: every.value)
            }
        case .multistep:
            if let factor, let at = f.require("at", what: what, reader: &self).flatMap({ list($0, what: "a list of milestones") }) {
                let milestones = at.compactMap { duration($0, what: "a milestone") }
                for (a, b) in zip(milestones, milestones.dropFirst()) where a.value.unit == b.value.unit && b.value.count <= a.value.count {
                    error("milestones must increase; \(b.value) comes after \(a.value)", at: b.location)
                }
                if milestones.count == at.count { policy = .multistep(factor: factor, at: milestones.map(\.value)) }
            }
        case .exponential:
            if let factor, let every = f.require("every", what: what, reader: &self).flatMap({ duration($0) }) {
                policy = .exponential(factor: factor, every: every.value, staircase: f["staircase"].flatMap { bool($0)?.value } ?? false)
            }
        case .poly:
            if let power = f.require("power", what: what, reader: &self).flatMap({ double($0, min: 0, minExclusive: true, what: "a power") }) {
                policy = .poly(power: power.value)
            }
        case .cosine: policy = .cosine(minLR: minLR)
        case .plateau:
            let monitor = f["monitor"].map { choice($0, MonitorConfig.self, what: "monitor") } ?? .valLoss
            let patience = f["patience"].flatMap { int($0, min: 0, max: Limits.patience, what: "a patience")?.value } ?? 1
            let threshold = f["threshold"].flatMap { double($0, min: 0, what: "a threshold")?.value } ?? 1e-4
            if let factor, let monitor { policy = .plateau(factor: factor, monitor: monitor, patience: patience, threshold: threshold, minLR: minLR) }
        }
        var warmup: ScheduleConfig.Warmup?
        if let w = f["warmup"] {
            guard let wf = Fields(w, allowed: ["length", "start_factor"], what: "warmup", reader: &self),
                  let length = wf.require("length", what: "warmup", reader: &self).flatMap({ duration($0) }) else { return nil }
            let start = wf["start_factor"].flatMap { double($0, min: 0, max: 1, what: "a start factor")?.value } ?? 0
            warmup = ScheduleConfig.Warmup(length: length.value, startFactor: start)
        }
        guard let policy else { return nil }
        return ScheduleConfig(policy: policy, warmup: warmup)
    }

    private enum FormatName: String, CaseIterable { case idx, folder, synthetic }

    /// A `data:` mapping (train or eval).
    mutating func data(_ node: YAMLNode) -> DataSource? {
        guard let formatNode = node["format"] else {
            error("data needs 'format' (idx, folder or synthetic)", at: node.location)
            return nil
        }
        guard let name = choice(formatNode, FormatName.self, what: "data format") else { return nil }
        let common = ["format", "scale", "mean", "std"]
        let own: [String] = switch name {
        case .idx: ["images", "labels"]
        case .folder: ["root", "resize", "crop"]
        case .synthetic: ["samples"]
        }
        let what = "\(name.rawValue) data"
        guard let f = Fields(node, allowed: common + own, what: what, reader: &self) else { return nil }
        var format: DataSource.Format?
        switch name {
        case .idx:
            if let images = f.require("images", what: what, reader: &self).flatMap({ path($0) }),
               let labels = f.require("labels", what: what, reader: &self).flatMap({ path($0) }) {
                format = .idx(images: images, labels: labels)
            }
        case .folder:
            if let root = f.require("root", what: what, reader: &self).flatMap({ path($0) }) { format = .folder(root: root) }
        case .synthetic:
            format = .synthetic(samples: f["samples"].flatMap { int($0, min: 1, max: Limits.samples, what: "a sample count")?.value } ?? 1024)
        }
        let resize = f["resize"].flatMap { int($0, min: 1, max: Limits.size, what: "a size")?.value }
        let crop = f["crop"].flatMap { int($0, min: 1, max: Limits.size, what: "a size")?.value }
        if let resize, let crop, crop > resize, let c = f["crop"] { error("center crop \(crop) is larger than the resized side \(resize)", at: c.location) }
        let scale = f["scale"].flatMap { double($0, min: 0, minExclusive: true, what: "a scale")?.value } ?? 1
        var mean = DataSource.Mean.none
        if let m = f["mean"] {
            if m.text == "per_pixel" { mean = .perPixel } else if let values = numbers(m, what: "a mean (a number, a list per channel, or per_pixel)") { mean = .perChannel(values) }
        }
        var std = [1.0]
        if let s = f["std"], let values = numbers(s, what: "a standard deviation (a number or a list per channel)") {
            if let bad = values.firstIndex(where: { $0 <= 0 }) { error("standard deviation must be above 0, found \(values[bad])", at: s.location) } else { std = values }
        }
        guard let format else { return nil }
        return DataSource(format: format, resize: resize, centerCrop: crop, scale: scale, mean: mean, std: std, location: node.location)
    }

    /// One number or a list of numbers.
    private mutating func numbers(_ node: YAMLNode, what: String) -> [Double]? {
        guard let items = list(node, single: true, what: what) else { return nil }
        let values = items.compactMap { double($0, what: what)?.value }
        return values.count == items.count ? values : nil
    }

    mutating func augmentation(_ node: YAMLNode) -> Augmentation? {
        let kinds = ["random_crop", "mirror", "pca_color"]
        let (kind, arg): (Located<String>, YAMLNode)
        if let s = node.scalar {
            (kind, arg) = (Located(s.text, at: node.location), YAMLNode.scalar("", at: node.location))
        } else if let pairs = node.pairs, pairs.count == 1, let k = pairs[0].key.text {
            (kind, arg) = (Located(k, at: pairs[0].key.location), pairs[0].value)
        } else {
            error("an augmentation is written '- name: {settings}', found \(node.kindDescription)", at: node.location)
            return nil
        }
        switch kind.value {
        case "random_crop":
            guard let f = Fields(arg, allowed: ["size", "pad"], what: "random_crop", reader: &self),
                  let size = f.require("size", what: "random_crop", reader: &self).flatMap({ int($0, min: 1, max: Limits.size, what: "a crop size") }) else { return nil }
            return .randomCrop(size: size, pad: f["pad"].flatMap { int($0, min: 0, max: Limits.window, what: "a padding")?.value } ?? 0)
        case "mirror":
            guard let f = Fields(arg, allowed: ["p"], what: "mirror", reader: &self) else { return nil }
            return .mirror(p: f["p"].flatMap { double($0, min: 0, max: 1, what: "a probability")?.value } ?? 0.5)
        case "pca_color":
            guard let f = Fields(arg, allowed: ["std"], what: "pca_color", reader: &self) else { return nil }
            return .pcaColor(std: f["std"].flatMap { double($0, min: 0, what: "a standard deviation")?.value } ?? 0.1)
        default:
            error("unknown augmentation '\(kind.value)'\(Suggestion.phrase(for: kind.value, in: kinds)) (one of: \(kinds.joined(separator: ", ")))", at: kind.location)
            return nil
        }
    }

    private enum AveragingType: String, CaseIterable { case polyak, ema }

    mutating func averaging(_ node: YAMLNode) -> Averaging? {
        guard let typeNode = node["type"] else {
            error("averaging needs 'type' (polyak or ema)", at: node.location)
            return nil
        }
        guard let type = choice(typeNode, AveragingType.self, what: "averaging") else { return nil }
        switch type {
        case .polyak:
            guard let f = Fields(node, allowed: ["type", "start"], what: "polyak averaging", reader: &self) else { return nil }
            return .polyak(start: f["start"].flatMap { duration($0, min: 0, what: "a start")?.value })
        case .ema:
            guard let f = Fields(node, allowed: ["type", "decay"], what: "ema averaging", reader: &self),
                  let decay = f.require("decay", what: "ema averaging", reader: &self).flatMap({ double($0, min: 0, max: 1, what: "a decay") }) else { return nil }
            return .ema(decay: decay.value)
        }
    }

    mutating func checkpoint(_ node: YAMLNode, modelName: String) -> CheckpointConfig? {
        guard let f = Fields(node, allowed: ["dir", "every", "keep", "best"], what: "checkpoint", reader: &self) else { return nil }
        let dir = f["dir"].flatMap { path($0, what: "a directory") } ?? Located("runs/\(modelName)", at: node.location)
        let every = f["every"].flatMap { duration($0)?.value } ?? DurationConfig(1, .epochs)
        let keep = f["keep"].flatMap { int($0, min: 1, max: Limits.keep, what: "a count")?.value } ?? 3
        let best = f["best"].flatMap { choice($0, MonitorConfig.self, what: "monitor") }
        return CheckpointConfig(directory: dir, every: every, keep: keep, best: best)
    }

    /// The `eval:` section.
    mutating func eval(_ node: YAMLNode) -> EvalConfig? {
        guard let f = Fields(node, allowed: ["data", "batch", "views", "every"], what: "eval", reader: &self) else { return nil }
        let data = f.require("data", what: "eval", reader: &self).flatMap { self.data($0) }
        let batch = f["batch"].flatMap { int($0, min: 1, max: Limits.batch, what: "a batch size") } ?? Located(100, at: node.location)
        let views = f["views"].map { choice($0, EvalConfig.Views.self, what: "views") } ?? .center
        let every = f["every"].flatMap { duration($0)?.value } ?? DurationConfig(1, .epochs)
        guard let data, let views else { return nil }
        return EvalConfig(data: data, batch: batch, views: views, every: every, location: node.location)
    }
}
