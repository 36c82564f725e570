import NetrunConfig

/// Caffe's solver prototxt as netrun's `train` and `eval` sections. Caffe counts iterations,
/// so every duration is written in steps. Learning-rate policies (Caffe's GetLearningRate):
///
/// - fixed: `lr`; step: `lr * gamma^floor(iter / stepsize)`; multistep: `lr * gamma^(milestones
///   passed)`; exp: `lr * gamma^iter`; poly: `lr * (1 - iter/max_iter)^power`: netrun's fixed,
///   step, multistep, exponential (every step) and poly say the same.
/// - inv: `lr * (1 + gamma * iter)^(-power)` and sigmoid: `lr / (1 + exp(-gamma * (iter -
///   stepsize)))` have no netrun equivalent: written `fixed`, with a warning.
struct CaffeSolver {
    var reader: PrototxtReader
    let net: CaffeNet

    init(reader: PrototxtReader, net: CaffeNet) {
        self.reader = reader
        self.net = net
    }

    static let known: Set<String> = [
        "net", "train_net", "test_net", "net_param", "test_iter", "test_interval", "base_lr", "display", "average_loss", "max_iter",
        "lr_policy", "gamma", "power", "momentum", "momentum2", "delta", "weight_decay", "regularization_type", "stepsize", "stepvalue",
        "snapshot", "snapshot_prefix", "solver_mode", "device_id", "random_seed", "type", "solver_type", "clip_gradients", "iter_size",
        "test_initialization", "debug_info", "snapshot_after_train", "test_compute_loss", "snapshot_format", "snapshot_diff", "rms_decay",
    ]

    /// Keys read only by Caffe's own machinery (devices, logging): nothing to translate.
    static let ignored: Set<String> = ["net", "train_net", "test_net", "display", "average_loss", "solver_mode", "device_id",
                                       "test_initialization", "debug_info", "snapshot_after_train", "test_compute_loss", "snapshot_format"]

    mutating func translate(_ s: PrototxtMessage, into c: inout ImportedConfig) {
        reader.refuseUnknown(s, known: Self.known, in: "the solver")
        let start = s.fields.first?.name.location ?? s.location
        func number(_ key: String, min: Double? = nil) -> Double? { reader.single(s, key) { $0.double($1, min: min) } }
        func int(_ key: String) -> Int? { reader.single(s, key) { $0.int($1, min: 1, max: Limits.steps) } }
        func at(_ key: String) -> SourceLocation { s.first(key)?.value.location ?? start }

        var train: [SectionLine] = []
        guard let lr = number("base_lr", min: 0), lr > 0 else {
            reader.error("the solver has no base_lr above 0", at: s.first("base_lr")?.value.location ?? start)
            return
        }
        guard let maxIter = int("max_iter") else {
            reader.error("the solver has no max_iter: netrun needs the run's length", at: start)
            return
        }
        train.append(SectionLine("steps", .int(maxIter), comment: "max_iter", origin: at("max_iter")))
        let batch = net.trainData?.batch ?? 1
        if net.trainData?.batch == nil { reader.warning("no training batch_size in the net: train.batch written as 1", at: start) }
        train.append(SectionLine("batch", .int(batch), origin: net.trainData?.origin ?? start))
        if let seed = reader.single(s, "random_seed", { $0.int($1, min: 0, max: 1 << 53) }) { train.append(SectionLine("seed", .int(seed))) }
        if let f = s.first("iter_size"), let n = reader.int(f, min: 1), n > 1 {
            reader.warning("iter_size \(n) is dropped: netrun does not accumulate gradients over several batches (the effective batch is \(batch), not \(batch * n))", at: f.value.location)
        }
        if let f = s.first("regularization_type"), let v = reader.string(f), v != "L2" {
            reader.error("\(v) regularization is not available: netrun's weight decay is L2", at: f.value.location)
        }
        if let optimizer = optimizer(s, lr: lr) { train.append(SectionLine("optimizer", .map(optimizer), origin: start)) }
        if let schedule = schedule(s, maxIter: maxIter) { train.append(SectionLine("schedule", .map(schedule), origin: s.first("lr_policy")?.value.location ?? start)) }
        let data = dataSection(net.trainData)
        train.append(SectionLine("data", .map(data), comment: "replace with your data (Caffe read \(net.trainData?.source.map { "'\($0)'" } ?? "its data layer"))", origin: net.trainData?.origin ?? start))
        reader.warning("train.data and eval.data are written 'format: synthetic': replace them with your data", at: net.trainData?.origin ?? start)
        var augment: [ConfigValue] = []
        if let crop = net.trainData?.crop { augment.append(.map([ConfigEntry("random_crop", .map([ConfigEntry("size", .int(crop))]))])) }
        if net.trainData?.mirror == true { augment.append(.map([ConfigEntry("mirror", .map([ConfigEntry("p", .number(0.5))]))])) }
        if !augment.isEmpty { train.append(SectionLine("augment", .list(augment), origin: net.trainData?.origin)) }
        if let every = int("snapshot") {
            train.append(SectionLine("checkpoint", .map([ConfigEntry("every", .word("\(every) steps"))]), origin: at("snapshot")))
        }
        if let f = s.first("snapshot_prefix") {
            reader.warning("snapshot_prefix is dropped: netrun keeps checkpoints in train.checkpoint.dir (default runs/<name>)", at: f.name.location)
        }
        c.train = train

        if let interval = int("test_interval") {
            var eval: [SectionLine] = []
            let testBatch = net.testData?.batch
            eval.append(SectionLine("data", .map(dataSection(net.testData ?? net.trainData, samples: int("test_iter").map { $0 * (testBatch ?? 1) })),
                                    comment: "replace with your data", origin: net.testData?.origin ?? start))
            if let testBatch { eval.append(SectionLine("batch", .int(testBatch), origin: net.testData?.origin)) }
            eval.append(SectionLine("every", .word("\(interval) steps"), comment: "test_interval", origin: at("test_interval")))
            c.eval = eval
        }
    }

    /// SGD (momentum, Nesterov) or Adam with base_lr, momentum and weight decay.
    mutating func optimizer(_ s: PrototxtMessage, lr: Double) -> [ConfigEntry]? {
        var type = "SGD"
        for key in ["type", "solver_type"] {
            guard let f = s.first(key) else { continue }
            guard case .scalar(let v) = f.value else { continue }
            type = v.text.uppercased()
        }
        let momentum = reader.single(s, "momentum") { $0.double($1, min: 0) } ?? 0
        let decay = reader.single(s, "weight_decay") { $0.double($1, min: 0) } ?? 0
        var o: [ConfigEntry] = []
        switch type {
        case "SGD", "NESTEROV":
            o = [ConfigEntry("type", .word("sgd")), ConfigEntry("lr", .number(lr))]
            if momentum > 1 { reader.error("momentum must be at most 1", at: s.first("momentum")?.value.location ?? s.location) }
            if momentum != 0 { o.append(ConfigEntry("momentum", .number(momentum))) }
            if type == "NESTEROV" { o.append(ConfigEntry("nesterov", .bool(true))) }
        case "ADAM":
            o = [ConfigEntry("type", .word("adam")), ConfigEntry("lr", .number(lr)),
                 ConfigEntry("betas", .list([.number(s.has("momentum") ? momentum : 0.9),
                                             .number(reader.single(s, "momentum2") { $0.double($1, min: 0) } ?? 0.999)]))]
            if let eps = reader.single(s, "delta", { $0.double($1, min: 0) }) { o.append(ConfigEntry("eps", .number(eps))) }
        default:
            let f = s.first("type") ?? s.first("solver_type")
            reader.error("the \(type) solver is not available: netrun offers SGD, Nesterov and Adam", at: f?.value.location ?? s.location)
            return nil
        }
        if decay != 0 { o.append(ConfigEntry("weight_decay", .number(decay))) }
        if let f = s.first("clip_gradients"), let v = reader.double(f, min: 0), v > 0 { o.append(ConfigEntry("clip_norm", .number(v))) }
        return o
    }

    /// The learning-rate policy; nil for `fixed`.
    mutating func schedule(_ s: PrototxtMessage, maxIter: Int) -> [ConfigEntry]? {
        guard let f = s.first("lr_policy"), let policy = reader.string(f) else { return nil }
        let start = f.value.location
        let gammaField = s.first("gamma")
        let gamma = gammaField.flatMap { reader.double($0) }
        func factor() -> ConfigValue? {
            guard let gamma else {
                reader.error("lr_policy '\(policy)' needs gamma", at: start)
                return nil
            }
            guard gamma >= 0, gamma <= 1 else {
                reader.error("gamma \(PrototxtReader.text(gamma)) is above 1: netrun's schedules only decrease the rate", at: gammaField?.value.location ?? start)
                return nil
            }
            return .number(gamma)
        }
        switch policy {
        case "fixed": return nil
        case "step":
            guard let factor = factor() else { return nil }
            guard let step = reader.single(s, "stepsize", { $0.int($1, min: 1, max: Limits.steps) }) else {
                reader.error("lr_policy 'step' needs stepsize", at: start)
                return nil
            }
            return [ConfigEntry("policy", .word("step")), ConfigEntry("factor", factor), ConfigEntry("every", .word("\(step) steps"))]
        case "multistep":
            guard let factor = factor() else { return nil }
            let steps = s.all("stepvalue").compactMap { reader.int($0, min: 1, max: Limits.steps) }
            guard !steps.isEmpty else {
                reader.error("lr_policy 'multistep' needs stepvalue", at: start)
                return nil
            }
            return [ConfigEntry("policy", .word("multistep")), ConfigEntry("factor", factor), ConfigEntry("at", .list(steps.map { .word("\($0) steps") }))]
        case "exp":
            guard let factor = factor() else { return nil }
            return [ConfigEntry("policy", .word("exponential")), ConfigEntry("factor", factor), ConfigEntry("every", .word("1 step"))]
        case "poly":
            guard let power = reader.single(s, "power", { $0.double($1) }), power > 0 else {
                reader.error("lr_policy 'poly' needs a power above 0", at: start)
                return nil
            }
            return [ConfigEntry("policy", .word("poly")), ConfigEntry("power", .number(power))]
        case "inv", "sigmoid":
            reader.warning("lr_policy '\(policy)' has no netrun equivalent: the schedule is written fixed (at base_lr); choose one of step, multistep, exponential, poly, cosine", at: start)
            return nil
        default:
            reader.error("unknown lr_policy '\(policy)' (fixed, step, multistep, exp, inv, poly, sigmoid)", at: start)
            return nil
        }
    }

    /// `{format: synthetic, ...}` with the data layer's scale and mean.
    mutating func dataSection(_ d: CaffeData?, samples: Int? = nil) -> [ConfigEntry] {
        var e = [ConfigEntry("format", .word("synthetic"))]
        if let samples { e.append(ConfigEntry("samples", .int(min(samples, Limits.samples)))) }
        guard let d else { return e }
        // Caffe: (x - mean) * scale; netrun: x / scale - mean.
        let s = d.scale ?? 1
        if s != 1 { e.append(ConfigEntry("scale", .number(1 / s))) }
        if !d.mean.isEmpty {
            let mean = d.mean.map { ConfigValue.number($0 * s) }
            e.append(ConfigEntry("mean", mean.count == 1 ? mean[0] : .list(mean)))
        } else if let at = d.meanFile {
            e.append(ConfigEntry("mean", .word("per_pixel")))
            reader.warning("mean_file is written 'mean: per_pixel': netrun computes the training set's mean image itself", at: at)
        }
        return e
    }
}
