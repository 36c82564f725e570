import NetrunConfig

/// The translation of one Caffe net: walks the layers in order, tracking which netrun node
/// holds each blob (in-place layers rebind it), and builds netrun layers.
struct CaffeNet {
    var r = PrototxtReader()
    let file: String
    var layers: [ImportedLayer] = []
    /// Blob -> the node that holds it now (`input` for the data).
    var blobs: [String: String] = [:]
    var labelBlobs: Set<String> = []
    /// Node -> how many layers read it so far (a ReLU folds only into an unread conv).
    var readers: [String: Int] = [:]
    var input: [Int]?
    var inputOrigin: SourceLocation?
    var trainData: CaffeData?
    var testData: CaffeData?
    /// Loss layer index -> (logits node, loss weight, phase, where).
    var losses: [(index: Int, logits: String, weight: Double, phase: CaffePhase, origin: SourceLocation)] = []
    /// Logits node -> accuracy top-k values.
    var accuracies: [String: [(k: Int, origin: SourceLocation)]] = [:]
    var layersWithoutFiller: [SourceLocation] = []
    /// BatchNorm layers no Scale folded into (their learned scale and shift are netrun's addition).
    var batchNormsWithoutScale: [String: SourceLocation] = [:]
    var netName = "imported"

    init(file: String) { self.file = file }

    mutating func translate(_ net: PrototxtMessage) {
        if let n = r.single(net, "name", { $0.string($1) }) { netName = n }
        readNetInput(net)
        let known: Set<String> = ["name", "layer", "layers", "input", "input_shape", "input_dim", "force_backward", "state", "debug_info"]
        r.refuseUnknown(net, known: known, in: "the net")
        if net.has("layer") && net.has("layers") {
            r.error("the net mixes 'layer' and V1 'layers' entries; Caffe reads one kind", at: net.all("layers")[0].name.location)
        }
        for f in net.fields where f.name.value == "layer" || f.name.value == "layers" {
            guard let m = r.message(f) else { continue }
            layer(m, v1: f.name.value == "layers", at: f.name.location)
        }
        finishLosses()
    }

    // MARK: - The net's own input

    /// `input: "data"` with `input_shape { dim: ... }` or four `input_dim`s.
    mutating func readNetInput(_ net: PrototxtMessage) {
        let inputs = net.all("input")
        guard let first = inputs.first, let name = r.string(first) else { return }
        if inputs.count > 1 { r.error("a second net input: netrun networks have one input", at: inputs[1].value.location) }
        var dims: [Int] = []
        if let shape = net.first("input_shape"), let m = r.message(shape) {
            r.refuseUnknown(m, known: ["dim"], in: "input_shape")
            dims = m.all("dim").compactMap { r.int($0) }
        } else {
            dims = net.all("input_dim").compactMap { r.int($0) }
        }
        setInput(dims: dims, at: first.value.location, what: "input '\(name)'")
        blobs[name] = "input"
    }

    /// N x C x H x W (or C x H x W) to netrun's C x H x W.
    mutating func setInput(dims: [Int], at location: SourceLocation, what: String) {
        guard input == nil else { return }
        let chw = dims.count == 4 ? Array(dims.dropFirst()) : dims
        guard chw.count == 3, chw.allSatisfy({ $0 >= 1 }) else {
            r.error("\(what) has the shape \(dims); netrun's input is N x C x H x W images", at: location)
            return
        }
        input = chw
        inputOrigin = location
    }

    // MARK: - Layers

    mutating func layer(_ m: PrototxtMessage, v1: Bool, at location: SourceLocation) {
        guard let nameField = m.first("name"), let name = r.string(nameField) else {
            r.error("a layer without a name", at: location)
            return
        }
        guard let typeField = m.first("type") else {
            r.error("layer '\(name)' has no type", at: location)
            return
        }
        let typeText = v1 ? r.identifier(typeField) : r.string(typeField)
        guard let typeText else { return }
        guard let type = v1 ? CaffeLayerType.v1[typeText] : CaffeLayerType(rawValue: typeText) else {
            r.error("the importer cannot translate layers of type '\(typeText)' ('\(name)')", at: typeField.value.location)
            return
        }
        var known: Set<String> = ["name", "type", "bottom", "top", "include", "exclude", "param", "loss_weight", "propagate_down"]
        if v1 { known.formUnion(["blobs_lr", "weight_decay"]) }
        if let p = type.paramField { known.insert(p) }
        if type.isData { known.formUnion(["transform_param", "data_param", "image_data_param", "hdf5_data_param", "memory_data_param", "window_data_param"]) }
        if type == .softmaxWithLoss { known.insert("loss_param") }
        r.refuseUnknown(m, known: known, in: "\(typeText) layer '\(name)'")
        if let p = m.first("propagate_down") { r.warning("propagate_down is dropped: netrun computes every gradient", at: p.name.location) }

        let phase = self.phase(m, name: name)
        let bottoms = m.all("bottom").compactMap { r.string($0) }
        let tops = m.all("top").compactMap { r.string($0) }
        let params = type.paramField.flatMap { m.first($0) }.flatMap { r.message($0) } ?? PrototxtMessage(fields: [], location: location)
        let multipliers = type == .convolution || type == .innerProduct || type == .scale ? multipliers(m, v1: v1, layer: name) : []
        let l = CaffeLayer(name: name, type: type, bottoms: bottoms, tops: tops, params: params, phase: phase, message: m, location: location)

        if type.isData { data(l); return }
        if phase == .test && type != .accuracy {
            r.warning("'\(name)' runs only in phase TEST: dropped", at: location)
            return
        }
        switch type {
        case .data, .imageData, .input, .dummyData, .hdf5Data, .memoryData, .windowData: break
        case .convolution: convolution(l)
        case .innerProduct: innerProduct(l)
        case .relu: relu(l)
        case .sigmoid: activation(l, .sigmoid)
        case .tanh: activation(l, .tanh)
        case .lrn: lrn(l)
        case .pooling: pooling(l)
        case .dropout: dropout(l)
        case .concat: concat(l)
        case .eltwise: eltwise(l)
        case .softmax: softmax(l)
        case .softmaxWithLoss: loss(l)
        case .accuracy: accuracy(l)
        case .batchNorm: batchNorm(l)
        case .scale: scale(l)
        case .split: split(l)
        case .flatten: flatten(l)
        case .silence: break
        }
        // On the node that now holds the layer's output (a Scale folded into its batch norm: that one).
        if !multipliers.isEmpty, let node = tops.first.flatMap({ blobs[$0] }), let i = index(of: node) {
            layers[i].settings += multipliers
        }
    }

    /// `include { phase: TRAIN }` / `exclude { phase: TEST }` and the reverse.
    mutating func phase(_ m: PrototxtMessage, name: String) -> CaffePhase {
        var result = CaffePhase.both
        for (key, include) in [("include", true), ("exclude", false)] {
            for f in m.all(key) {
                guard let rule = r.message(f) else { continue }
                r.refuseUnknown(rule, known: ["phase"], in: "the \(key) rule of '\(name)' (netrun has no stages or levels)")
                guard let p = rule.first("phase"), let v = r.identifier(p) else { continue }
                switch (v, include) {
                case ("TRAIN", true), ("TEST", false): result = .train
                case ("TEST", true), ("TRAIN", false): result = .test
                default: r.error("unknown phase '\(v)' (TRAIN or TEST)", at: p.value.location)
                }
            }
        }
        return result
    }

    /// The node holding `blob`, counted as read; an error when no layer made it.
    mutating func source(_ blob: String, of l: CaffeLayer) -> String? {
        if labelBlobs.contains(blob) {
            r.error("'\(l.name)' reads the labels '\(blob)': only loss and accuracy layers may", at: l.location)
            return nil
        }
        guard let node = blobs[blob] else {
            r.error("'\(l.name)' reads '\(blob)', which no layer before it produces", at: l.location)
            return nil
        }
        readers[node, default: 0] += 1
        return node
    }

    /// The one bottom of a single-input layer.
    mutating func oneInput(_ l: CaffeLayer) -> String? {
        guard l.bottoms.count == 1 else {
            r.error("'\(l.name)' has \(l.bottoms.count) bottoms; a \(l.type.rawValue) layer reads one", at: l.location)
            return nil
        }
        return source(l.bottoms[0], of: l)
    }

    /// Appends a netrun layer named after the Caffe layer, its top bound to it.
    mutating func emit(_ l: CaffeLayer, op: OpKind, inputs: [String], settings: [ConfigEntry] = []) {
        layers.append(ImportedLayer(op: .op(op), name: l.name, inputs: inputs, settings: settings, origin: l.location))
        if l.tops.count != 1 { r.error("'\(l.name)' has \(l.tops.count) tops; a \(l.type.rawValue) layer writes one", at: l.location) }
        for t in l.tops { blobs[t] = l.name }
    }

    /// The index of the netrun layer named `node`.
    func index(of node: String) -> Int? { layers.lastIndex { $0.name == node } }

    // MARK: - lr_mult and decay_mult

    /// The layer's `param { lr_mult decay_mult }` (V1: `blobs_lr`, `weight_decay`), one per
    /// blob (weight, bias), as netrun's `lr_mult` and `decay_mult` settings: a number when
    /// every blob has the same, else one per blob; nothing when all are 1.
    mutating func multipliers(_ m: PrototxtMessage, v1: Bool, layer: String) -> [ConfigEntry] {
        var lrs: [Double] = [], decays: [Double] = []
        if v1 {
            let l = m.all("blobs_lr"), d = m.all("weight_decay")
            for i in 0 ..< max(l.count, d.count) {
                lrs.append(i < l.count ? r.double(l[i]) ?? 1 : 1)
                decays.append(i < d.count ? r.double(d[i]) ?? 1 : 1)
            }
        } else {
            for f in m.all("param") {
                guard let p = r.message(f) else { continue }
                r.refuseUnknown(p, known: ["lr_mult", "decay_mult", "name", "share_mode"], in: "the param of '\(layer)'")
                if let n = p.first("name") { r.error("shared parameters (param name) are not available in netrun", at: n.name.location) }
                lrs.append(p.first("lr_mult").flatMap { r.double($0) } ?? 1)
                decays.append(p.first("decay_mult").flatMap { r.double($0) } ?? 1)
            }
        }
        func entry(_ key: String, _ values: [Double]) -> ConfigEntry? {
            guard values.contains(where: { $0 != 1 }) else { return nil }
            if Set(values).count == 1 { return ConfigEntry(key, .number(values[0])) }
            return ConfigEntry(key, .list(values.map { .number($0) }))
        }
        return [entry("lr_mult", lrs), entry("decay_mult", decays)].compactMap { $0 }
    }
}

/// One Caffe layer, read.
struct CaffeLayer {
    var name: String
    var type: CaffeLayerType
    var bottoms: [String]
    var tops: [String]
    var params: PrototxtMessage
    var phase: CaffePhase
    var message: PrototxtMessage
    var location: SourceLocation
}
