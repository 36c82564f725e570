import NetrunConfig

extension CaffeNet {
    // MARK: - Data layers

    /// Data layers are dropped: their first top is the network's input, the second the
    /// labels; the input shape comes from an Input or DummyData shape, or from the crop
    /// (the channel count assumed 3, with a warning).
    mutating func data(_ l: CaffeLayer) {
        if let top = l.tops.first { blobs[top] = "input" }
        for t in l.tops.dropFirst() { labelBlobs.insert(t) }
        if l.tops.count > 2 { r.error("'\(l.name)' has \(l.tops.count) tops; netrun reads images and labels", at: l.location) }
        switch l.type {
        case .input:
            r.refuseUnknown(l.params, known: ["shape"], in: "the input_param of '\(l.name)'")
            shape(l.params.first("shape"), l)
            return
        case .dummyData:
            shape(l.params.first("shape"), l)
            return
        default: break
        }
        var d = CaffeData(origin: l.location)
        let transform = l.message.first("transform_param").flatMap { r.message($0) }
        if let t = transform {
            d.crop = r.single(t, "crop_size", { $0.int($1, min: 1) })
            d.mirror = r.single(t, "mirror", { $0.bool($1) }) ?? false
            d.mean = t.all("mean_value").compactMap { r.double($0) }
            d.meanFile = t.first("mean_file")?.name.location
            d.scale = r.single(t, "scale", { $0.double($1, min: 0) })
        }
        for key in ["data_param", "image_data_param", "hdf5_data_param", "memory_data_param", "window_data_param"] {
            guard let m = l.message.first(key).flatMap({ r.message($0) }) else { continue }
            d.batch = d.batch ?? m.first("batch_size").flatMap { r.int($0, min: 1, max: Limits.batch) }
            d.source = d.source ?? m.first("source").flatMap { r.string($0) }
            if input == nil, d.crop == nil, let h = m.first("new_height").flatMap({ r.int($0, min: 1) }),
               let w = m.first("new_width").flatMap({ r.int($0, min: 1) }) {
                setInput(dims: [3, h, w], at: l.location, what: "'\(l.name)'")
                r.warning("data layer '\(l.name)' dropped; the input [3, \(h), \(w)] comes from its new_height and new_width, the channel count assumed 3", at: l.location)
            }
        }
        if l.phase == .test { testData = d } else if trainData == nil { trainData = d }
        if input == nil, let crop = d.crop {
            let gray = transform.flatMap { $0.first("force_gray") }.flatMap { r.bool($0) } == true
            setInput(dims: [gray ? 1 : 3, crop, crop], at: l.location, what: "'\(l.name)'")
            r.warning("data layer '\(l.name)' dropped; the input [\(gray ? 1 : 3), \(crop), \(crop)] comes from its crop_size\(gray ? " and force_gray" : ", the channel count assumed 3 (Caffe reads it from the data)")", at: l.location)
        } else if input != nil, l.phase != .test, inputOrigin != l.location {
            r.warning("data layer '\(l.name)' dropped: the data comes from the config's train and eval sections", at: l.location)
        }
    }

    mutating func shape(_ f: PrototxtField?, _ l: CaffeLayer) {
        guard let f, let m = r.message(f) else {
            r.error("'\(l.name)' gives no shape", at: l.location)
            return
        }
        setInput(dims: m.all("dim").compactMap { r.int($0, min: 1) }, at: f.name.location, what: "'\(l.name)'")
    }

    // MARK: - Losses

    /// Each loss's weight, top-k (from its Accuracy layers) and whether it is a training-only
    /// head: excluded from phase TEST, or an auxiliary loss weighted below the main one.
    mutating func finishLosses() {
        let main = losses.filter { $0.phase != .train }
        let top = main.map(\.weight).max()
        let mainName = main.first { $0.weight == top }.map { layers[$0.index].name }
        for loss in losses {
            var s: [ConfigEntry] = []
            if loss.weight != 1 { s.append(ConfigEntry("weight", .number(loss.weight))) }
            var trainOnly = loss.phase == .train
            if let top, loss.weight < top, loss.phase != .train, let mainName {
                trainOnly = true
                r.warning("'\(layers[loss.index].name)' (loss_weight \(PrototxtReader.text(loss.weight))) is an auxiliary head: written train_only, so netrun drops it at inference and does not evaluate it; the main loss is '\(mainName)'", at: loss.origin)
            }
            if trainOnly { s.append(ConfigEntry("train_only", .bool(true))) }
            let ks = Array(Set((accuracies[loss.logits] ?? []).map(\.k))).sorted()
            if !ks.isEmpty, ks != [1] { s.append(ConfigEntry("top_k", .list(ks.map { .int($0) }))) }
            layers[loss.index].settings = s
        }
        let read = Set(losses.map(\.logits))
        for (node, list) in accuracies where !read.contains(node) {
            for a in list { r.warning("accuracy layer dropped: no loss reads '\(node)', and netrun reports top-k with a loss", at: a.origin) }
        }
        for (name, at) in batchNormsWithoutScale.sorted(by: { $0.value < $1.value }) {
            r.warning("'\(name)': netrun's batchnorm learns a per-channel scale and shift (starting at 1 and 0), which Caffe's BatchNorm alone does not", at: at)
        }
        if let first = layersWithoutFiller.first {
            let n = layersWithoutFiller.count
            r.warning("no weight_filler: Caffe's default, the constant 0, is written (\(n) layer\(n == 1 ? "" : "s")); give one to train from scratch", at: first)
        }
    }

    /// The conv or dense layer that sets the size of `node` (through activations, dropout,
    /// normalization and pooling), or nil.
    func classifier(of node: String) -> Int? {
        var n = node
        var seen = 0
        while let i = index(of: n), seen < layers.count {
            seen += 1
            let l = layers[i]
            guard case .op(let kind) = l.op else { return nil }   // a block: not followed
            switch kind {
            case .conv, .dense: return i
            case .relu, .sigmoid, .tanh, .leakyReLU, .dropout, .flatten, .softmax, .batchnorm, .scale, .lrn, .maxpool, .avgpool:
                guard let x = l.inputs.first else { return nil }
                n = x
            case .concat, .add, .shortcut, .loss: return nil
            }
        }
        return nil
    }

    // MARK: - The config

    mutating func config(_ net: PrototxtMessage) -> ImportedConfig? {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let input else {
            r.error("the net's input shape is unknown: give input_shape (or input_dim), an Input layer, or a data layer with crop_size", at: start)
            return nil
        }
        guard !layers.isEmpty else {
            r.error("the net has no layers netrun can run", at: start)
            return nil
        }
        let main = losses.first { layers[$0.index].settings["train_only"] == nil }
        let scores = main?.logits ?? losses.last?.logits ?? layers.last?.name ?? "input"
        guard let ci = classifier(of: scores), case .int(let classes)? = layers[ci].settings["out"] else {
            r.error("cannot tell the class count: the scores '\(scores)' do not come from a Convolution or InnerProduct layer", at: inputOrigin ?? start)
            return nil
        }
        for loss in losses {
            if let i = classifier(of: loss.logits), layers[i].settings["out"] == .int(classes) { layers[i].settings["out"] = .word("$classes") }
        }
        let initializer = hoistFillers()
        let keywords = Set(OpKind.allCases.map(\.keyword) + ["input"])
        let found = BlockFinder.find(layers, reserved: keywords)
        var output: String?
        if main == nil, let last = losses.last { output = found.renamed[last.logits] ?? last.logits }
        return ImportedConfig(
            header: ["Imported by `netrun import caffe` from \(file).",
                     "Layer names are Caffe's; parameters are <layer>.weight and <layer>.bias in PyTorch's layouts."],
            name: netName, input: input, classes: classes, output: output, initializer: initializer,
            blocks: found.blocks, layers: found.layers, origin: start)
    }

    /// The most common weight and bias fillers become the model's `init`; each layer keeps
    /// only the fillers that differ from it.
    mutating func hoistFillers() -> [ConfigEntry] {
        var counts: [ConfigValue: Int] = [:]
        var order: [ConfigValue] = []
        for l in layers where l.op.isConvOrDense {
            guard let v = l.settings["init"] else { continue }
            if counts[v] == nil { order.append(v) }
            counts[v, default: 0] += 1
        }
        guard let common = order.max(by: { counts[$0, default: 0] < counts[$1, default: 0] }), case .map(let defaults) = common else { return [] }
        for i in layers.indices where layers[i].op.isConvOrDense {
            guard case .map(var own)? = layers[i].settings["init"] else { continue }
            own.removeAll { defaults[$0.key] == $0.value }
            layers[i].settings["init"] = own.isEmpty ? nil : .map(own)
        }
        return defaults
    }
}
