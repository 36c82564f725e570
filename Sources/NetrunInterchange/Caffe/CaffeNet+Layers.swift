import NetrunConfig

// One function per Caffe layer type: its settings read (with Caffe's defaults), checked,
// and written as netrun settings.
extension CaffeNet {
    static let convKeys: Set<String> = ["num_output", "bias_term", "pad", "kernel_size", "stride", "dilation", "group", "pad_h", "pad_w",
                                        "kernel_h", "kernel_w", "stride_h", "stride_w", "weight_filler", "bias_filler", "engine", "axis",
                                        "force_nd_im2col"]

    mutating func convolution(_ l: CaffeLayer) {
        let p = l.params
        r.refuseUnknown(p, known: Self.convKeys, in: "the convolution_param of '\(l.name)'")
        guard let x = oneInput(l) else { return }
        requireAxis1(p, l)
        guard let out = required(p, "num_output", l) else { return }
        guard let kernel = size2(p, "kernel_size", "kernel_h", "kernel_w", default: nil, l) else {
            r.error("'\(l.name)' has no kernel_size", at: p.location)
            return
        }
        var s: [ConfigEntry] = [ConfigEntry("out", .int(out)), ConfigEntry("kernel", kernel)]
        if let stride = size2(p, "stride", "stride_h", "stride_w", default: 1, l), stride != .int(1) { s.append(ConfigEntry("stride", stride)) }
        if let pad = size2(p, "pad", "pad_h", "pad_w", default: 0, l, min: 0), pad != .int(0) { s.append(ConfigEntry("pad", pad)) }
        if let dilation = size2(p, "dilation", nil, nil, default: 1, l), dilation != .int(1) { s.append(ConfigEntry("dilation", dilation)) }
        if let g = r.single(p, "group", { $0.int($1, min: 1) }), g != 1 { s.append(ConfigEntry("groups", .int(g))) }
        let bias = r.single(p, "bias_term", { $0.bool($1) }) ?? true
        if !bias { s.append(ConfigEntry("bias", .bool(false))) }
        s.append(ConfigEntry("init", fillers(p, l, bias: bias)))
        emit(l, op: .conv, inputs: [x], settings: s)
    }

    mutating func innerProduct(_ l: CaffeLayer) {
        let p = l.params
        r.refuseUnknown(p, known: ["num_output", "bias_term", "weight_filler", "bias_filler", "axis", "transpose"], in: "the inner_product_param of '\(l.name)'")
        guard let x = oneInput(l) else { return }
        requireAxis1(p, l)
        if let t = p.first("transpose"), r.bool(t) == true {
            r.error("a transposed weight (transpose: true) is not available: netrun's dense weight is [out, in]", at: t.value.location)
        }
        guard let out = required(p, "num_output", l) else { return }
        var s = [ConfigEntry("out", .int(out))]
        let bias = r.single(p, "bias_term", { $0.bool($1) }) ?? true
        if !bias { s.append(ConfigEntry("bias", .bool(false))) }
        s.append(ConfigEntry("init", fillers(p, l, bias: bias)))
        emit(l, op: .dense, inputs: [x], settings: s)
    }

    mutating func relu(_ l: CaffeLayer) {
        r.refuseUnknown(l.params, known: ["negative_slope", "engine"], in: "the relu_param of '\(l.name)'")
        let slope = r.single(l.params, "negative_slope", { $0.double($1) }) ?? 0
        if slope != 0 {
            guard let x = oneInput(l) else { return }
            emit(l, op: .leakyReLU, inputs: [x], settings: [ConfigEntry("slope", .number(slope))])
            return
        }
        activation(l, .relu)
    }

    /// ReLU, Sigmoid, TanH: folded into `act:` of the conv or dense before it when in place
    /// and nothing read that layer's output before the activation; else a layer of its own.
    mutating func activation(_ l: CaffeLayer, _ act: Activation) {
        if l.bottoms.count == 1, l.tops == l.bottoms, let node = blobs[l.bottoms[0]], readers[node, default: 0] == 0,
           let i = index(of: node), layers[i].op.isConvOrDense, layers[i].settings["act"] == nil {
            let at = layers[i].settings.firstIndex { $0.key == "init" } ?? layers[i].settings.count
            layers[i].settings.insert(ConfigEntry("act", .word(act.rawValue)), at: at)
            return
        }
        guard let x = oneInput(l) else { return }
        emit(l, op: act.kind, inputs: [x])
    }

    mutating func lrn(_ l: CaffeLayer) {
        let p = l.params
        r.refuseUnknown(p, known: ["local_size", "alpha", "beta", "k", "norm_region", "engine"], in: "the lrn_param of '\(l.name)'")
        guard let x = oneInput(l) else { return }
        if let region = p.first("norm_region"), let v = r.identifier(region), v != "ACROSS_CHANNELS" {
            r.error("LRN with norm_region \(v) is not available: netrun's lrn normalizes across channels", at: region.value.location)
        }
        let size = r.single(p, "local_size", { $0.int($1, min: 1) }) ?? 5
        let alpha = r.single(p, "alpha", { $0.double($1, min: 0) }) ?? 1
        let beta = r.single(p, "beta", { $0.double($1, min: 0) }) ?? 0.75
        let k = r.single(p, "k", { $0.double($1) }) ?? 1
        emit(l, op: .lrn, inputs: [x], settings: [
            ConfigEntry("size", .int(size)), ConfigEntry("alpha", .number(alpha)), ConfigEntry("beta", .number(beta)),
            ConfigEntry("k", .number(k)), ConfigEntry("alpha_form", .word("caffe")),
        ])
    }

    /// Caffe rounds pooled sizes up (`round: ceil`; `round_mode: FLOOR` in later versions
    /// rounds down); average pooling divides by the window clipped to the padded input,
    /// netrun's `divisor: window`.
    mutating func pooling(_ l: CaffeLayer) {
        let p = l.params
        r.refuseUnknown(p, known: ["pool", "kernel_size", "kernel_h", "kernel_w", "stride", "stride_h", "stride_w", "pad", "pad_h", "pad_w",
                                   "global_pooling", "engine", "round_mode"], in: "the pooling_param of '\(l.name)'")
        guard let x = oneInput(l) else { return }
        var op = OpKind.maxpool
        if let f = p.first("pool"), let v = r.identifier(f) {
            switch v {
            case "MAX": op = .maxpool
            case "AVE": op = .avgpool
            default: r.error("\(v) pooling is not available: netrun pools by MAX or AVE", at: f.value.location)
            }
        }
        if r.single(p, "global_pooling", { $0.bool($1) }) == true {
            emit(l, op: op, inputs: [x], settings: [ConfigEntry("global", .bool(true))])
            return
        }
        guard let kernel = size2(p, "kernel_size", "kernel_h", "kernel_w", default: nil, l) else {
            r.error("'\(l.name)' has no kernel_size (or global_pooling)", at: p.location)
            return
        }
        var s = [ConfigEntry("kernel", kernel)]
        if let stride = size2(p, "stride", "stride_h", "stride_w", default: 1, l), stride != .int(1) { s.append(ConfigEntry("stride", stride)) }
        if let pad = size2(p, "pad", "pad_h", "pad_w", default: 0, l, min: 0), pad != .int(0) { s.append(ConfigEntry("pad", pad)) }
        var ceil = true
        if let f = p.first("round_mode"), let v = r.identifier(f) {
            switch v {
            case "CEIL": ceil = true
            case "FLOOR": ceil = false
            default: r.error("unknown round_mode '\(v)' (CEIL or FLOOR)", at: f.value.location)
            }
        }
        if ceil { s.append(ConfigEntry("round", .word("ceil"))) }
        emit(l, op: op, inputs: [x], settings: s)
    }

    mutating func dropout(_ l: CaffeLayer) {
        r.refuseUnknown(l.params, known: ["dropout_ratio", "scale_train"], in: "the dropout_param of '\(l.name)'")
        guard let x = oneInput(l) else { return }
        if let f = l.params.first("scale_train"), r.bool(f) == false {
            r.error("dropout scaled at test time (scale_train: false) is not available: netrun's dropout is inverted", at: f.value.location)
        }
        let rate = r.single(l.params, "dropout_ratio", { $0.double($1, min: 0) }) ?? 0.5
        emit(l, op: .dropout, inputs: [x], settings: [ConfigEntry("rate", .number(rate))])
    }

    mutating func concat(_ l: CaffeLayer) {
        r.refuseUnknown(l.params, known: ["axis", "concat_dim"], in: "the concat_param of '\(l.name)'")
        for key in ["axis", "concat_dim"] {
            if let f = l.params.first(key), let a = r.int(f, min: -4, max: 4), a != 1 {
                r.error("concatenation along axis \(a) is not available: netrun's concat joins channels (axis 1)", at: f.value.location)
            }
        }
        many(l, op: .concat)
    }

    mutating func eltwise(_ l: CaffeLayer) {
        r.refuseUnknown(l.params, known: ["operation", "coeff", "stable_prod_grad"], in: "the eltwise_param of '\(l.name)'")
        if let f = l.params.first("operation"), let v = r.identifier(f), v != "SUM" {
            r.error("Eltwise \(v) is not available: netrun's add is Eltwise SUM", at: f.value.location)
        }
        for f in l.params.all("coeff") where r.double(f) != 1 {
            r.error("Eltwise SUM with a coefficient other than 1 is not available: netrun's add sums its inputs", at: f.value.location)
        }
        many(l, op: .add)
    }

    /// Concat and add: two or more inputs.
    mutating func many(_ l: CaffeLayer, op: OpKind) {
        guard l.bottoms.count >= 2 else {
            r.error("'\(l.name)' has \(l.bottoms.count) bottom\(l.bottoms.count == 1 ? "" : "s"); \(op.keyword) takes two or more", at: l.location)
            return
        }
        let inputs = l.bottoms.compactMap { source($0, of: l) }
        guard inputs.count == l.bottoms.count else { return }
        emit(l, op: op, inputs: inputs)
    }

    mutating func softmax(_ l: CaffeLayer) {
        r.refuseUnknown(l.params, known: ["axis", "engine"], in: "the softmax_param of '\(l.name)'")
        requireAxis1(l.params, l)
        guard let x = oneInput(l) else { return }
        emit(l, op: .softmax, inputs: [x])
    }

    mutating func flatten(_ l: CaffeLayer) {
        r.refuseUnknown(l.params, known: ["axis", "end_axis"], in: "the flatten_param of '\(l.name)'")
        requireAxis1(l.params, l)
        if let f = l.params.first("end_axis"), let a = r.int(f, min: -4, max: 4), a != -1, a != 3 {
            r.error("flattening up to axis \(a) is not available: netrun's flatten makes one vector per image", at: f.value.location)
        }
        guard let x = oneInput(l) else { return }
        emit(l, op: .flatten, inputs: [x])
    }

    /// SoftmaxWithLoss: logits and labels in; its settings are completed by `finishLosses`.
    mutating func loss(_ l: CaffeLayer) {
        if let lp = l.message.first("loss_param").flatMap({ r.message($0) }) {
            r.refuseUnknown(lp, known: ["normalize", "normalization"], in: "the loss_param of '\(l.name)'")
        }
        requireAxis1(l.params, l)
        guard l.bottoms.count == 2 else {
            r.error("'\(l.name)' has \(l.bottoms.count) bottoms; SoftmaxWithLoss reads the scores and the labels", at: l.location)
            return
        }
        guard labelBlobs.contains(l.bottoms[1]) else {
            r.error("'\(l.name)' reads '\(l.bottoms[1])' as labels, but no data layer gives labels by that name", at: l.location)
            return
        }
        guard let x = source(l.bottoms[0], of: l) else { return }
        let weights = l.message.all("loss_weight")
        let weight = weights.first.flatMap { r.double($0, min: 0) } ?? 1
        losses.append((layers.count, x, weight, l.phase, l.location))
        layers.append(ImportedLayer(op: .op(.loss), name: l.name, inputs: [x], settings: [], origin: l.location))
    }

    /// Accuracy layers become the top-k values of the loss reading the same scores.
    mutating func accuracy(_ l: CaffeLayer) {
        r.refuseUnknown(l.params, known: ["top_k", "axis"], in: "the accuracy_param of '\(l.name)'")
        requireAxis1(l.params, l)
        guard let blob = l.bottoms.first, let node = blobs[blob] else {
            r.error("'\(l.name)' reads no scores that a layer before it produces", at: l.location)
            return
        }
        let k = r.single(l.params, "top_k", { $0.int($1, min: 1) }) ?? 1
        accuracies[node, default: []].append((k, l.location))
    }

    /// Caffe's BatchNorm normalizes without a learned scale and shift; netrun's batchnorm has
    /// both, as a BatchNorm and its Scale (bias_term: true) do together.
    mutating func batchNorm(_ l: CaffeLayer) {
        r.refuseUnknown(l.params, known: ["use_global_stats", "moving_average_fraction", "eps"], in: "the batch_norm_param of '\(l.name)'")
        guard let x = oneInput(l) else { return }
        var s: [ConfigEntry] = []
        if let eps = r.single(l.params, "eps", { $0.double($1, min: 0) }), eps != 1e-5 { s.append(ConfigEntry("eps", .number(eps))) }
        let fraction = r.single(l.params, "moving_average_fraction", { $0.double($1, min: 0) }) ?? 0.999
        if fraction > 1 { r.error("moving_average_fraction must be at most 1", at: l.params.location) }
        // Caffe: running = fraction * running + new; PyTorch's momentum is the new value's weight.
        s.append(ConfigEntry("momentum", .number(((1 - min(fraction, 1)) * 1e9).rounded() / 1e9)))
        emit(l, op: .batchnorm, inputs: [x], settings: s)
        batchNormsWithoutScale[l.name] = l.location
    }

    mutating func scale(_ l: CaffeLayer) {
        let p = l.params
        r.refuseUnknown(p, known: ["bias_term", "axis", "num_axes", "filler", "bias_filler"], in: "the scale_param of '\(l.name)'")
        requireAxis1(p, l)
        if let f = p.first("num_axes"), r.int(f, min: -1, max: 4) != 1 {
            r.error("a Scale over other than one axis is not available: netrun's scale is per channel", at: f.value.location)
        }
        let bias = r.single(p, "bias_term", { $0.bool($1) }) ?? false
        if bias, l.bottoms.count == 1, l.tops == l.bottoms, let node = blobs[l.bottoms[0]], readers[node, default: 0] == 0,
           let i = index(of: node), layers[i].op == .op(.batchnorm) {
            batchNormsWithoutScale[node] = nil
            for key in ["filler", "bias_filler"] {
                if let f = p.first(key) { r.warning("\(key) is dropped: netrun's batchnorm starts at weight 1, bias 0", at: f.name.location) }
            }
            return
        }
        guard let x = oneInput(l) else { return }
        var s: [ConfigEntry] = []
        if !bias { s.append(ConfigEntry("bias", .bool(false))) }
        var initializer: [ConfigEntry] = []
        if let f = p.first("filler") { initializer["weight"] = filler(f, l) }
        if bias, let f = p.first("bias_filler") { initializer["bias"] = filler(f, l) }
        if !initializer.isEmpty { s.append(ConfigEntry("init", .map(initializer))) }
        emit(l, op: .scale, inputs: [x], settings: s)
    }

    mutating func split(_ l: CaffeLayer) {
        guard l.bottoms.count == 1, let node = blobs[l.bottoms[0]] else {
            r.error("'\(l.name)' splits \(l.bottoms.count) blobs; a Split reads one that a layer before it produces", at: l.location)
            return
        }
        for t in l.tops { blobs[t] = node }
    }

    // MARK: - Settings shared by several layers

    mutating func required(_ p: PrototxtMessage, _ key: String, _ l: CaffeLayer) -> Int? {
        guard p.has(key) else {
            r.error("'\(l.name)' has no \(key)", at: p.location)
            return nil
        }
        return r.single(p, key) { $0.int($1, min: 1) }
    }

    mutating func requireAxis1(_ p: PrototxtMessage, _ l: CaffeLayer) {
        if let f = p.first("axis"), let a = r.int(f, min: -4, max: 4), a != 1 {
            r.error("axis \(a) is not available: netrun's ops work on channels (axis 1)", at: f.value.location)
        }
    }

    /// A kernel, stride, pad or dilation: `key` given once (square) or twice (h, w), or
    /// `key_h` and `key_w`; `n` or `[h, w]`.
    mutating func size2(_ p: PrototxtMessage, _ key: String, _ hKey: String?, _ wKey: String?, default value: Int?, _ l: CaffeLayer,
                        min: Int = 1) -> ConfigValue? {
        let all = p.all(key)
        if all.count > 2 { r.error("'\(key)' is given \(all.count) times: netrun's windows are 2-D", at: all[2].name.location) }
        var h = all.first.flatMap { r.int($0, min: min, max: Limits.window) }
        var w = all.count > 1 ? r.int(all[1], min: min, max: Limits.window) : h
        if let hKey, let f = p.first(hKey) { h = r.int(f, min: min, max: Limits.window) }
        if let wKey, let f = p.first(wKey) { w = r.int(f, min: min, max: Limits.window) }
        switch (h ?? value, w ?? value) {
        case (let h?, let w?): return .size(h, w)
        default: return nil
        }
    }

    /// `{weight: W, bias: B}` from weight_filler and bias_filler. Caffe's default filler is
    /// the constant 0, written as such.
    mutating func fillers(_ p: PrototxtMessage, _ l: CaffeLayer, bias: Bool) -> ConfigValue {
        var entries: [ConfigEntry] = []
        if let f = p.first("weight_filler") {
            entries["weight"] = filler(f, l)
        } else {
            entries["weight"] = .int(0)
            layersWithoutFiller.append(l.location)
        }
        if bias { entries["bias"] = p.first("bias_filler").map { filler($0, l) } ?? .int(0) }
        return .map(entries)
    }

    /// Caffe's FillerParameter as a netrun filler.
    mutating func filler(_ f: PrototxtField, _ l: CaffeLayer) -> ConfigValue {
        guard let m = r.message(f) else { return .int(0) }
        r.refuseUnknown(m, known: ["type", "value", "min", "max", "mean", "std", "variance_norm", "sparse"], in: "the \(f.name.value) of '\(l.name)'")
        let type = r.single(m, "type", { $0.string($1) }) ?? "constant"
        func number(_ key: String, _ d: Double) -> Double { r.single(m, key, { $0.double($1) }) ?? d }
        func fan() -> String {
            guard let v = m.first("variance_norm").flatMap({ r.identifier($0) }) else { return "in" }
            switch v {
            case "FAN_IN": return "in"
            case "FAN_OUT": return "out"
            case "AVERAGE": return "avg"
            default:
                r.error("unknown variance_norm '\(v)' (FAN_IN, FAN_OUT or AVERAGE)", at: m.first("variance_norm")?.value.location ?? m.location)
                return "in"
            }
        }
        switch type {
        case "constant": return .number(number("value", 0))
        case "gaussian":
            if let s = m.first("sparse") { r.error("a sparse gaussian filler is not available in netrun", at: s.name.location) }
            let mean = number("mean", 0), std = number("std", 1)
            if std <= 0 { r.error("a gaussian filler's std must be above 0", at: m.first("std")?.value.location ?? m.location) }
            return mean == 0 ? .map([ConfigEntry("gaussian", .number(std))])
                : .map([ConfigEntry("gaussian", .map([ConfigEntry("mean", .number(mean)), ConfigEntry("std", .number(std))]))])
        case "uniform":
            return .map([ConfigEntry("uniform", .list([.number(number("min", 0)), .number(number("max", 1))]))])
        case "xavier":
            // Caffe's xavier: uniform ±sqrt(3 / n), n the fan given by variance_norm (fan in by default).
            return .map([ConfigEntry("xavier", .map([ConfigEntry("fan", .word(fan()))]))])
        case "msra":
            // Caffe's msra: normal, std sqrt(2 / n), n the fan in by default; netrun's `msra` alone.
            let fan = fan()
            return fan == "in" ? .word("msra") : .map([ConfigEntry("msra", .map([ConfigEntry("fan", .word(fan))]))])
        default:
            r.error("the \(type) filler is not available in netrun (constant, gaussian, uniform, xavier, msra)", at: m.first("type")?.value.location ?? m.location)
            return .int(0)
        }
    }
}
