extension Reader {
    /// The `train:` section.
    mutating func train(_ node: YAMLNode, modelName: String) -> TrainConfig? {
        let table = SectionSpec.train
        guard let f = Fields(node, allowed: table.keys(), what: "train", reader: &self) else { return nil }
        let s = SpecFields(specs: table.settings, fields: f, at: node.location, what: "train")
        var length: Located<DurationConfig>?
        switch (f["epochs"], f["steps"]) {
        case (_?, nil): length = int(s, "epochs").map { Located(DurationConfig($0.value, .epochs), at: $0.location) }
        case (nil, _?): length = int(s, "steps").map { Located(DurationConfig($0.value, .steps), at: $0.location) }
        case (_?, let steps?): error("give 'epochs' or 'steps', not both", at: steps.location)
        case (nil, nil): error("train needs 'epochs' or 'steps'", at: node.location)
        }
        let batch = int(s, "batch")
        let accumulate = int(s, "accumulate") ?? Located(1, at: node.location)
        if let batch, batch.value % accumulate.value != 0 {
            error("accumulate: \(accumulate.value) does not divide train.batch \(batch.value): each micro-batch must have batch / accumulate examples",
                  at: accumulate.location)
        }
        let seed = int(s, "seed")?.value ?? 0
        let optimizer = f.require("optimizer", what: "train", reader: &self).flatMap { self.optimizer($0) }
        let schedule = f["schedule"].map { self.schedule($0) } ?? ScheduleConfig()
        let data = f.require("data", what: "train", reader: &self).flatMap { self.data($0) }
        var augment: [Augmentation] = []
        if let a = f["augment"], let items = list(a, what: "a list of augmentations") {
            augment = items.compactMap { augmentation($0) }
            var seen: Set<String> = []
            for (item, a) in zip(items, items.map { augmentation(peek: $0) }) {
                guard let a, a == "mixup" || a == "cutmix" else { continue }
                if !seen.insert(a).inserted { error("\(a) is given twice; a step's batch is mixed once", at: item.location) }
                if data?.dropLast == false {
                    error("\(a) mixes whole batches: it needs drop_last: true (the default), as timm's loaders drop the last batch", at: item.location)
                }
            }
        }
        let averaging = f["averaging"].flatMap { self.averaging($0) }
        let checkpoint = f["checkpoint"].map { self.checkpoint($0, modelName: modelName) }
            ?? CheckpointConfig(directory: Located("runs/\(modelName)", at: node.location), every: DurationConfig(1, .epochs), keep: 3, best: nil)
        guard let length, let batch, let optimizer, let schedule, let data, let checkpoint else { return nil }
        return TrainConfig(length: length, batch: batch, accumulate: accumulate, seed: seed, optimizer: optimizer, schedule: schedule, data: data,
                           augment: augment, averaging: averaging, checkpoint: checkpoint, location: node.location)
    }

    private enum OptimizerType: String, CaseIterable { case sgd, adam }

    mutating func optimizer(_ node: YAMLNode) -> OptimizerConfig? {
        guard let typeNode = node["type"] else {
            error("optimizer needs 'type' (sgd or adam)", at: node.location)
            return nil
        }
        guard let type = choice(typeNode, OptimizerType.self, what: "optimizer") else { return nil }
        let what = "\(type.rawValue) optimizer"
        guard let s = variant(node, SectionSpec.optimizer, type.rawValue, what: what) else { return nil }
        let lr = number(s, "lr")
        let decay = number(s, "weight_decay")?.value ?? 0
        // Absent: no clipping; given but invalid: nil inside (the error is recorded).
        let clipNorm: Double?? = s.fields["clip_norm"].map { _ in number(s, "clip_norm")?.value }
        let decayBias = bool(s, "decay_bias")?.value ?? true
        var algorithm: OptimizerConfig.Algorithm?
        switch type {
        case .sgd:
            let momentum = number(s, "momentum")?.value ?? 0
            let nesterov = bool(s, "nesterov")?.value ?? false
            if nesterov, momentum == 0, let n = s.fields["nesterov"] { error("Nesterov momentum needs a momentum above 0", at: n.location) }
            algorithm = .sgd(momentum: momentum, nesterov: nesterov)
        case .adam:
            var betas = (0.9, 0.999)
            if let b = s.fields["betas"] {
                guard let items = b.items, items.count == 2,
                      let b1 = double(items[0], min: 0, max: 0.999999, what: "beta1"), let b2 = double(items[1], min: 0, max: 0.999999, what: "beta2") else {
                    if b.items?.count != 2 { error("expected betas as [beta1, beta2]", at: b.location) }
                    return nil
                }
                betas = (b1.value, b2.value)
            }
            let eps = number(s, "eps")?.value ?? 1e-8
            let decoupled = bool(s, "decoupled")?.value ?? false
            algorithm = .adam(beta1: betas.0, beta2: betas.1, eps: eps, decoupled: decoupled)
        }
        var lookahead: OptimizerConfig.Lookahead?
        if let l = s.fields["lookahead"] {
            guard let lf = Fields(l, allowed: SectionSpec.lookahead.keys(), what: "lookahead", reader: &self) else { return nil }
            let ls = SpecFields(specs: SectionSpec.lookahead.settings, fields: lf, at: l.location, what: "lookahead")
            lookahead = OptimizerConfig.Lookahead(k: int(ls, "k")?.value ?? 5, alpha: number(ls, "alpha")?.value ?? 0.5)
        }
        guard let lr, let algorithm, clipNorm != .some(nil) else { return nil }
        return OptimizerConfig(algorithm: algorithm, lr: lr, weightDecay: decay, clipNorm: clipNorm ?? nil, decayBias: decayBias,
                               lookahead: lookahead)
    }

    private enum PolicyName: String, CaseIterable { case fixed, step, multistep, exponential, poly, cosine, plateau
        case oneCycle = "one_cycle"
    }

    mutating func schedule(_ node: YAMLNode) -> ScheduleConfig? {
        guard let policyNode = node["policy"] else {
            error("schedule needs 'policy' (one of: \(PolicyName.allCases.map(\.rawValue).joined(separator: ", ")))", at: node.location)
            return nil
        }
        guard let name = choice(policyNode, PolicyName.self, what: "schedule policy") else { return nil }
        let what = "\(name.rawValue) schedule"
        guard let s = variant(node, SectionSpec.schedule, name.rawValue, what: what) else { return nil }
        let f = s.fields
        let own = Set(s.specs.map(\.key))
        let factor = own.contains("factor") ? number(s, "factor")?.value : 1
        let minLR = own.contains("min_lr") ? number(s, "min_lr")?.value ?? 0 : 0
        var policy: ScheduleConfig.Policy?
        switch name {
        case .fixed: policy = .fixed
        case .step:
            if let factor, let every = duration(s, "every") {
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
            if let factor, let every = duration(s, "every") {
                policy = .exponential(factor: factor, every: every.value, staircase: bool(s, "staircase")?.value ?? false)
            }
        case .poly:
            if let power = number(s, "power") {
                policy = .poly(power: power.value)
            }
        case .cosine: policy = .cosine(minLR: minLR)
        case .plateau:
            let monitor = choice(s, "monitor", MonitorConfig.self)?.value
            let patience = int(s, "patience")?.value ?? 1
            let threshold = number(s, "threshold")?.value ?? 1e-4
            if let factor, let monitor { policy = .plateau(factor: factor, monitor: monitor, patience: patience, threshold: threshold, minLR: minLR) }
        case .oneCycle:
            var c = ScheduleConfig.OneCycle()
            c.pctStart = number(s, "pct_start")?.value ?? c.pctStart
            c.divFactor = number(s, "div_factor")?.value ?? c.divFactor
            c.finalDivFactor = number(s, "final_div_factor")?.value ?? c.finalDivFactor
            c.anneal = choice(s, "anneal_strategy", ScheduleConfig.OneCycle.Anneal.self)?.value ?? c.anneal
            c.threePhase = bool(s, "three_phase")?.value ?? false
            let base = number(s, "base_momentum")?.value ?? 0.85, top = number(s, "max_momentum")?.value ?? 0.95
            c.momentum = bool(s, "cycle_momentum")?.value ?? true ? (base, top) : nil
            for key in ["base_momentum", "max_momentum"] where c.momentum == nil {
                if let m = f[key] { warning("\(key) has no effect with cycle_momentum: false", at: m.location) }
            }
            policy = .oneCycle(c)
            if let w = f["warmup"] {
                error("one_cycle rises from lr / div_factor by itself (pct_start); remove the warmup", at: w.location)
                return nil
            }
        }
        var warmup: ScheduleConfig.Warmup?
        if let w = f["warmup"] {
            guard let wf = Fields(w, allowed: SectionSpec.warmup.keys(), what: "warmup", reader: &self) else { return nil }
            let ws = SpecFields(specs: SectionSpec.warmup.settings, fields: wf, at: w.location, what: "warmup")
            guard let length = duration(ws, "length") else { return nil }
            let start = number(ws, "start_factor")?.value ?? 0
            warmup = ScheduleConfig.Warmup(length: length.value, startFactor: start)
        }
        guard let policy else { return nil }
        return ScheduleConfig(policy: policy, warmup: warmup)
    }

    private enum FormatName: String, CaseIterable { case idx, npy, cifar, folder, synthetic }

    /// A `data:` mapping (train or eval).
    mutating func data(_ node: YAMLNode) -> DataSource? {
        guard let formatNode = node["format"] else {
            error("data needs 'format' (\(FormatName.allCases.map(\.rawValue).joined(separator: ", ")))", at: node.location)
            return nil
        }
        guard let name = choice(formatNode, FormatName.self, what: "data format") else { return nil }
        let what = "\(name.rawValue) data"
        guard let s = variant(node, SectionSpec.data, name.rawValue, what: what) else { return nil }
        let f = s.fields
        var format: DataSource.Format?
        switch name {
        case .idx:
            if let images = path(s, "images"), let labels = path(s, "labels") {
                format = .idx(images: images, labels: labels)
            }
        case .npy:
            if let images = path(s, "images"), let labels = path(s, "labels") {
                format = .npy(images: images, labels: labels)
            }
        case .cifar:
            format = cifar(s, at: node.location)
        case .folder:
            if let root = path(s, "root") { format = .folder(root: root) }
        case .synthetic:
            format = .synthetic(samples: int(s, "samples")?.value ?? 1024)
        }
        let own = Set(s.specs.map(\.key))
        let resize = own.contains("resize") ? int(s, "resize")?.value : nil
        let crop = own.contains("crop") ? int(s, "crop")?.value : nil
        if let resize, let crop, crop > resize, let c = f["crop"] { error("center crop \(crop) is larger than the resized side \(resize)", at: c.location) }
        let scale = number(s, "scale")?.value ?? 1
        var mean = DataSource.Mean.none
        if let m = f["mean"] {
            if m.text == "per_pixel" { mean = .perPixel } else if let values = numbers(m, what: "a mean (a number, a list per channel, or per_pixel)") { mean = .perChannel(values) }
        }
        var std = [1.0]
        if let s = f["std"], let values = numbers(s, what: "a standard deviation (a number or a list per channel)") {
            if let bad = values.firstIndex(where: { $0 <= 0 }) { error("standard deviation must be above 0, found \(values[bad])", at: s.location) } else { std = values }
        }
        let shuffle = bool(s, "shuffle")?.value ?? true
        let dropLast = bool(s, "drop_last")?.value ?? true
        guard let format else { return nil }
        return DataSource(format: format, resize: resize, centerCrop: crop, scale: scale, mean: mean, std: std, shuffle: shuffle, dropLast: dropLast,
                          location: node.location)
    }

    /// The files of `format: cifar`: `root` (with `split`) or `files`, one of the two.
    private mutating func cifar(_ s: SpecFields, at location: SourceLocation) -> DataSource.Format? {
        let f = s.fields
        var variant: DataSource.CIFARVariant?
        if let v = int(s, "variant") {
            variant = DataSource.CIFARVariant(rawValue: v.value)
            if variant == nil { error("expected a CIFAR variant of 10 or 100, found \(v.value)", at: v.location) }
        }
        var files: DataSource.CIFARFiles?
        switch (f["root"], f["files"]) {
        case (_?, let list?):
            error("give cifar 'root' or 'files', not both", at: list.location)
        case (nil, nil):
            error("cifar data needs 'root' (a directory) or 'files' (a list of batch files)", at: location)
        case (_?, nil):
            if let root = path(s, "root"), let split = choice(s, "split", DataSource.CIFARSplit.self)?.value { files = .root(root, split: split) }
        case (nil, let list?):
            if let split = f["split"] { error("'split' goes with 'root'; 'files' names the batches itself", at: split.location) }
            if let items = self.list(list, single: true, what: "a list of batch files") {
                let paths = items.compactMap { path($0, what: "a batch file") }
                if items.isEmpty {
                    error("cifar 'files' is an empty list; name at least one batch file (or give 'root')", at: list.location)
                } else if paths.count == items.count {
                    files = .files(paths)
                }
            }
        }
        guard let files, let variant else { return nil }
        return .cifar(files, variant: variant)
    }

    /// The settings of one variant (`type: sgd`) of a table's mapping, its keys checked.
    private mutating func variant(_ node: YAMLNode, _ table: SectionSpec, _ name: String, what: String) -> SpecFields? {
        guard let f = Fields(node, allowed: table.keys(variant: name), what: what, reader: &self) else { return nil }
        return SpecFields(specs: table.settings + (table.variants?.settings(of: name) ?? []), fields: f, at: node.location, what: what)
    }

    /// A duration setting (`every: 8 epochs`), required or absent.
    private mutating func duration(_ s: SpecFields, _ key: String) -> Located<DurationConfig>? {
        let (node, spec) = self.node(s, key)
        return node.flatMap { duration($0, what: spec.noun) }
    }

    /// A path setting, required or absent.
    private mutating func path(_ s: SpecFields, _ key: String) -> Located<String>? {
        node(s, key).node.flatMap { path($0) }
    }

    /// One number or a list of numbers.
    private mutating func numbers(_ node: YAMLNode, what: String) -> [Double]? {
        guard let items = list(node, single: true, what: what) else { return nil }
        let values = items.compactMap { double($0, what: what)?.value }
        return values.count == items.count ? values : nil
    }

    /// The kind an augmentation entry names, without reading its settings.
    func augmentation(peek node: YAMLNode) -> String? {
        node.scalar?.text ?? node.pairs.flatMap { $0.count == 1 ? $0[0].key.text : nil }
    }

    mutating func augmentation(_ node: YAMLNode) -> Augmentation? {
        let table = SectionSpec.augment
        let kinds = table.variants?.cases.map(\.name) ?? []
        let (kind, arg): (Located<String>, YAMLNode)
        if let s = node.scalar {
            (kind, arg) = (Located(s.text, at: node.location), YAMLNode.scalar("", at: node.location))
        } else if let pairs = node.pairs, pairs.count == 1, let k = pairs[0].key.text {
            (kind, arg) = (Located(k, at: pairs[0].key.location), pairs[0].value)
        } else {
            error("an augmentation is written '- name: {settings}', found \(node.kindDescription)", at: node.location)
            return nil
        }
        guard let specs = table.variants?.settings(of: kind.value) else {
            error("unknown augmentation '\(kind.value)'\(Suggestion.phrase(for: kind.value, in: kinds)) (one of: \(kinds.joined(separator: ", ")))", at: kind.location)
            return nil
        }
        guard let f = Fields(arg, allowed: specs.map(\.key), what: kind.value, reader: &self) else { return nil }
        let s = SpecFields(specs: specs, fields: f, at: kind.location, what: kind.value)
        switch kind.value {
        case "random_crop":
            guard let size = int(s, "size"), let pad = int(s, "pad") else { return nil }
            return .randomCrop(size: size, pad: pad.value)
        case "mirror":
            return number(s, "p").map { .mirror(p: $0.value) }
        case "pca_color":
            return number(s, "std").map { .pcaColor(std: $0.value) }
        case "random_erasing":
            let p = number(s, "p"), scale = interval(s, "scale"), ratio = interval(s, "ratio"), value = number(s, "value")
            guard let p, let scale, let ratio, let value else { return nil }
            return .randomErasing(RandomErasing(p: p.value, scale: scale.value.0 ... scale.value.1, ratio: ratio.value.0 ... ratio.value.1,
                                                value: value.value))
        case "mixup", "cutmix":
            guard let alpha = number(s, "alpha"), let p = number(s, "p") else { return nil }
            return kind.value == "mixup" ? .mixup(alpha: alpha.value, p: p.value) : .cutmix(alpha: alpha.value, p: p.value)
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
            guard let s = variant(node, SectionSpec.averaging, "polyak", what: "polyak averaging") else { return nil }
            return .polyak(start: s.fields["start"].flatMap { duration($0, min: 0, what: "a start")?.value })
        case .ema:
            guard let s = variant(node, SectionSpec.averaging, "ema", what: "ema averaging"), let decay = number(s, "decay") else { return nil }
            return .ema(decay: decay.value)
        }
    }

    mutating func checkpoint(_ node: YAMLNode, modelName: String) -> CheckpointConfig? {
        let table = SectionSpec.checkpoint
        guard let f = Fields(node, allowed: table.keys(), what: "checkpoint", reader: &self) else { return nil }
        let s = SpecFields(specs: table.settings, fields: f, at: node.location, what: "checkpoint")
        let dir = f["dir"].flatMap { path($0, what: "a directory") } ?? Located("runs/\(modelName)", at: node.location)
        let every = f["every"].flatMap { duration($0)?.value } ?? DurationConfig(1, .epochs)
        let keep = int(s, "keep")?.value ?? 3
        let best = f["best"].flatMap { choice($0, MonitorConfig.self, what: "monitor") }
        return CheckpointConfig(directory: dir, every: every, keep: keep, best: best)
    }

    /// The `eval:` section.
    mutating func eval(_ node: YAMLNode) -> EvalConfig? {
        let table = SectionSpec.eval
        guard let f = Fields(node, allowed: table.keys(), what: "eval", reader: &self) else { return nil }
        let s = SpecFields(specs: table.settings, fields: f, at: node.location, what: "eval")
        let data = f.require("data", what: "eval", reader: &self).flatMap { self.data($0) }
        let batch = int(s, "batch")
        let views = choice(s, "views", EvalConfig.Views.self)?.value
        let every = f["every"].flatMap { duration($0)?.value } ?? DurationConfig(1, .epochs)
        guard let data, let batch, let views else { return nil }
        return EvalConfig(data: data, batch: batch, views: views, every: every, location: node.location)
    }
}
