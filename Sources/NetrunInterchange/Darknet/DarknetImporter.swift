// Darknet's cfg to a netrun config, carrying the running shape from layer to layer as
// darknet's parser does (src/parser.c), so that every layer's output shape is darknet's.
import NetrunConfig
import NetrunGraph

public enum DarknetImporter {
    /// Translates a cfg. `layerNodes` of the result names, for each darknet layer (darknet's
    /// numbering, from 0 after [net]), the netrun node holding its output.
    public static func importCfg(text: String, file: String) -> (result: ImportResult, layerNodes: [String]) {
        let sections: [DarknetSection]
        var t = DarknetNet(file: file)
        do { (sections, t.d) = try DarknetCfg.parse(text, file: file) } catch { return (ImportResult(config: nil, diagnostics: error.diagnostics), []) }
        guard let imported = t.translate(sections) else { return (ImportResult(config: nil, diagnostics: t.d), []) }
        return (ImportCheck.finish(imported, diagnostics: t.d, what: "a netrun network"), t.outputs.map(\.node))
    }
}

/// The translation of one cfg.
struct DarknetNet {
    let file: String
    var d = Diagnostics()
    var layers: [ImportedLayer] = []
    /// Per darknet layer: the node holding its output and that output's shape ([c, h, w] or [n]).
    var outputs: [(node: String, shape: [Int])] = []
    var current: (node: String, shape: [Int]) = ("input", [])
    var softmax: (node: String, scores: String)?
    var hasCost = false

    init(file: String) { self.file = file }

    /// Keys each section reads; others are errors (darknet itself would ignore them).
    static let keys: [String: Set<String>] = [
        "convolutional": ["filters", "size", "stride", "pad", "padding", "groups", "batch_normalize", "activation"],
        "maxpool": ["size", "stride", "padding"],
        "avgpool": [],
        "connected": ["output", "activation", "batch_normalize"],
        "dropout": ["probability"],
        "softmax": ["groups", "temperature"],
        "cost": ["type", "scale", "ratio", "noobject_scale", "thresh"],
        "route": ["layers"],
        "shortcut": ["from", "activation", "alpha", "beta"],
        "batchnorm": [],
        "normalization": ["size", "alpha", "beta", "kappa"],
    ]
    static let aliases = ["conv": "convolutional", "max": "maxpool", "avg": "avgpool", "conn": "connected", "soft": "softmax",
                          "network": "net", "lrn": "normalization"]

    mutating func translate(_ sections: [DarknetSection]) -> ImportedConfig? {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let net = sections.first, ["net", "network"].contains(net.name.value) else {
            d.error("a darknet cfg starts with [net]", at: sections.first?.name.location ?? start)
            return nil
        }
        guard let h = int(net, "height", min: 1), let w = int(net, "width", min: 1), let c = int(net, "channels", min: 1) else {
            if net.option("height") == nil || net.option("width") == nil || net.option("channels") == nil {
                d.error("[net] needs height, width and channels", at: net.name.location)
            }
            return nil
        }
        current = ("input", [c, h, w])
        let input = [c, h, w]
        let training = net.options.map(\.key.value).filter { !["height", "width", "channels", "batch", "subdivisions"].contains($0) }
        if !training.isEmpty {
            d.warning("[net]'s training settings are not translated (\(training.joined(separator: ", "))): write the train section yourself", at: net.name.location)
        }
        for (i, s) in sections.dropFirst().enumerated() {
            let kind = Self.aliases[s.name.value] ?? s.name.value
            guard let known = Self.keys[kind] else {
                d.error("the importer cannot translate [\(s.name.value.clipped())] layers", at: s.name.location)
                return nil
            }
            for o in s.options where !known.contains(o.key.value) {
                d.error("the importer cannot translate '\(o.key.value.clipped())' in [\(s.name.value.clipped())]", at: o.key.location)
            }
            let before = d.errors.count
            layer(kind, s, index: i)
            if d.errors.count > before { return nil }
            outputs.append(current)
        }
        guard !layers.isEmpty else {
            d.error("the cfg has no layers", at: net.name.location)
            return nil
        }
        var output: String?
        var classesShape = current.shape
        if let softmax {
            classesShape = outputs.first { $0.node == softmax.scores }?.shape ?? classesShape
            layers.append(ImportedLayer(op: .op(.loss), name: "loss", inputs: [softmax.scores], settings: [], origin: layers.last?.origin ?? start,
                                        comment: "darknet's softmax layer trains with cross-entropy: a netrun loss on its input"))
            output = softmax.node
        }
        let classes = classesShape.reduce(1, *)
        return ImportedConfig(header: ["Imported by `netrun import darknet` from \(file).",
                                       "Node names carry darknet's layer numbers (conv0, maxpool1, ...)."],
                              name: Self.name(file), input: input, classes: classes, output: output, layers: layers, origin: start)
    }

    static func name(_ file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        return base.hasSuffix(".cfg") ? String(base.dropLast(4)) : base
    }

    // MARK: - Layers

    mutating func layer(_ kind: String, _ s: DarknetSection, index i: Int) {
        switch kind {
        case "convolutional": convolutional(s, i)
        case "maxpool": maxpool(s, i)
        case "avgpool": add(s, .avgpool, "avgpool\(i)", [ConfigEntry("global", .bool(true))], shape: [channels, 1, 1])
        case "connected": connected(s, i)
        case "dropout":
            let p = number(s, "probability", 0.5, min: 0, max: 0.999)
            add(s, .dropout, "dropout\(i)", [ConfigEntry("rate", .number(p))], shape: current.shape)
        case "softmax":
            if int(s, "groups", default: 1, min: 1) != 1 { d.error("a grouped softmax is not available in netrun", at: s.option("groups")?.value.location ?? s.name.location) }
            if number(s, "temperature", 1, min: 0) != 1 { d.error("a softmax temperature is not available in netrun", at: s.option("temperature")?.value.location ?? s.name.location) }
            let scores = current.node
            add(s, .softmax, "softmax\(i)", [], shape: [current.shape.reduce(1, *)])
            softmax = (current.node, scores)
        case "cost":
            if softmax?.node == current.node {
                d.warning("[cost] is dropped: darknet's softmax before it already trains with cross-entropy, netrun's loss", at: s.name.location)
            } else {
                d.error("[cost] without a [softmax] before it: netrun's loss is softmax cross-entropy, not darknet's \(s.option("type")?.value.value ?? "sse")", at: s.name.location)
            }
        case "route": route(s, i)
        case "shortcut": shortcut(s, i)
        case "batchnorm": add(s, .batchnorm, "batchnorm\(i)", [], shape: current.shape)
        case "normalization":
            // Darknet's LRN: x / (kappa + alpha * sum of squares)^beta, the paper's form.
            add(s, .lrn, "lrn\(i)", [
                ConfigEntry("size", .int(int(s, "size", default: 5, min: 1) ?? 5)), ConfigEntry("alpha", .number(number(s, "alpha", 0.0001, min: 0))),
                ConfigEntry("beta", .number(number(s, "beta", 0.75, min: 0))), ConfigEntry("k", .number(number(s, "kappa", 2, min: 0))),
                ConfigEntry("alpha_form", .word("paper")),
            ], shape: current.shape)
        default: d.error("the importer cannot translate [\(s.name.value.clipped())] layers", at: s.name.location)
        }
    }

    var channels: Int { current.shape.first ?? 0 }

    /// Appends a layer reading the current output; it becomes the current output.
    mutating func add(_ s: DarknetSection, _ op: OpKind, _ name: String, _ settings: [ConfigEntry], shape: [Int], inputs: [String]? = nil) {
        layers.append(ImportedLayer(op: .op(op), name: name, inputs: inputs ?? [current.node], settings: settings, origin: s.name.location))
        current = (name, shape)
    }

    /// A darknet activation netrun has: one of conv's and dense's own, or `leaky`.
    enum DarknetActivation: Equatable {
        case fused(Activation)
        case leaky
    }

    /// Darknet's activations: `linear` none, `relu`, `logistic` (sigmoid), `tanh` as netrun
    /// activations, `leaky` as leaky_relu with darknet's slope 0.1.
    mutating func activation(_ s: DarknetSection, default value: String) -> DarknetActivation? {
        let a = s.option("activation")?.value.value ?? value
        switch a {
        case "linear": return nil
        case "relu": return .fused(.relu)
        case "tanh": return .fused(.tanh)
        case "leaky": return .leaky
        case "logistic": return .fused(.sigmoid)
        default:
            d.error("the \(a.clipped()) activation is not available in netrun (linear, relu, leaky, logistic, tanh)", at: s.option("activation")?.value.location ?? s.name.location)
            return nil
        }
    }

    /// An activation as a layer of its own after `base`.
    mutating func activationLayer(_ s: DarknetSection, _ act: DarknetActivation?, base: String) {
        switch act {
        case nil: return
        case .leaky?: add(s, .leakyReLU, "\(base)_leaky", [ConfigEntry("slope", .number(0.1))], shape: current.shape)
        case .fused(let a)?: add(s, a.kind, "\(base)_\(a.rawValue)", [], shape: current.shape)
        }
    }

    /// Convolution, then batch norm (darknet's holds the scale and shift; the convolution then
    /// has no bias), then the activation; an activation netrun fuses goes into `act:`.
    mutating func convolutional(_ s: DarknetSection, _ i: Int) {
        guard current.shape.count == 3 else {
            d.error("[convolutional] after a layer with a vector output", at: s.name.location)
            return
        }
        let filters = int(s, "filters", default: 1, min: 1) ?? 1
        let size = int(s, "size", default: 1, min: 1, max: Limits.window) ?? 1
        let stride = int(s, "stride", default: 1, min: 1, max: Limits.window) ?? 1
        var padding = int(s, "padding", default: 0, min: 0, max: Limits.window) ?? 0
        if int(s, "pad", default: 0, min: 0, max: 1) == 1 { padding = size / 2 }
        let groups = int(s, "groups", default: 1, min: 1) ?? 1
        let bn = int(s, "batch_normalize", default: 0, min: 0, max: 1) == 1
        let act = activation(s, default: "logistic")
        let name = "conv\(i)"
        var settings = [ConfigEntry("out", .int(filters)), ConfigEntry("kernel", .int(size))]
        if stride != 1 { settings.append(ConfigEntry("stride", .int(stride))) }
        if padding != 0 { settings.append(ConfigEntry("pad", .int(padding))) }
        if groups != 1 { settings.append(ConfigEntry("groups", .int(groups))) }
        if bn { settings.append(ConfigEntry("bias", .bool(false))) }
        let fused: Activation? = if !bn, case .fused(let a)? = act { a } else { nil }
        if let fused { settings.append(ConfigEntry("act", .word(fused.rawValue))) }
        // A window larger than the padded input has no size: count one position, so that the
        // layers after it and the class count stay defined, and the graph's check of the
        // imported config reports the window at this layer.
        let (oh, ow) = (Window.outputSize(input: current.shape[1], kernel: size, stride: stride, pad: padding) ?? 1,
                        Window.outputSize(input: current.shape[2], kernel: size, stride: stride, pad: padding) ?? 1)
        add(s, .conv, name, settings, shape: [filters, oh, ow])
        if bn { add(s, .batchnorm, "\(name)_bn", [], shape: current.shape) }
        if fused == nil { activationLayer(s, act, base: name) }
    }

    mutating func connected(_ s: DarknetSection, _ i: Int) {
        let out = int(s, "output", default: 1, min: 1) ?? 1
        let bn = int(s, "batch_normalize", default: 0, min: 0, max: 1) == 1
        let act = activation(s, default: "logistic")
        let name = "dense\(i)"
        var settings = [ConfigEntry("out", .int(out))]
        if bn { settings.append(ConfigEntry("bias", .bool(false))) }
        let fused: Activation? = if !bn, case .fused(let a)? = act { a } else { nil }
        if let fused { settings.append(ConfigEntry("act", .word(fused.rawValue))) }
        add(s, .dense, name, settings, shape: [out])
        if bn { add(s, .batchnorm, "\(name)_bn", [], shape: current.shape) }
        if fused == nil { activationLayer(s, act, base: name) }
    }

    /// Darknet's max pooling pads `padding` in total (default size - 1), `padding / 2` before,
    /// and gives `(w + padding - size) / stride + 1`. netrun pads both sides alike: `pad` is
    /// darknet's `padding / 2` (so the windows start at the same place) and the rounding
    /// (floor or ceil) is the one that gives darknet's size; when neither does (an odd
    /// padding with stride 1, e.g. size 2 stride 1), the layer cannot be written.
    mutating func maxpool(_ s: DarknetSection, _ i: Int) {
        guard current.shape.count == 3 else {
            d.error("[maxpool] after a layer with a vector output", at: s.name.location)
            return
        }
        let stride = int(s, "stride", default: 1, min: 1, max: Limits.window) ?? 1
        let size = int(s, "size", default: stride, min: 1, max: Limits.window) ?? stride
        let padding = int(s, "padding", default: size - 1, min: 0, max: Limits.window) ?? size - 1
        let (h, w) = (current.shape[1], current.shape[2])
        let want = ((h + padding - size) / stride + 1, (w + padding - size) / stride + 1)
        let pad = padding / 2
        var rounding: LayerOp.Pool.Rounding?
        for r in LayerOp.Pool.Rounding.allCases {
            let ceil = r == .ceil
            let got = (Window.outputSize(input: h, kernel: size, stride: stride, pad: pad, ceil: ceil),
                       Window.outputSize(input: w, kernel: size, stride: stride, pad: pad, ceil: ceil))
            if got.0 == want.0, got.1 == want.1 { rounding = r; break }
        }
        guard let rounding, pad <= size / 2 else {
            d.error("darknet pools this \(h)x\(w) input to \(want.0)x\(want.1) (size \(size), stride \(stride), padding \(padding), \(padding - pad) of it after); netrun's symmetric padding cannot give that size", at: s.name.location)
            return
        }
        var settings = [ConfigEntry("kernel", .int(size))]
        if stride != 1 { settings.append(ConfigEntry("stride", .int(stride))) }
        if pad != 0 { settings.append(ConfigEntry("pad", .int(pad))) }
        if rounding == .ceil { settings.append(ConfigEntry("round", .word("ceil"))) }
        add(s, .maxpool, "maxpool\(i)", settings, shape: [channels, want.0, want.1])
    }

    /// One layer: its output again; several: their concatenation on channels.
    mutating func route(_ s: DarknetSection, _ i: Int) {
        guard let o = s.option("layers") else {
            d.error("[route] needs layers", at: s.name.location)
            return
        }
        var sources: [(node: String, shape: [Int])] = []
        for part in o.value.value.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Int(part), let j = Optional(v < 0 ? i + v : v), j >= 0, j < i else {
                d.error("route layers are earlier layers' numbers (or negative offsets); '\(part)' is not one", at: o.value.location)
                return
            }
            sources.append(outputs[j])
        }
        if sources.count == 1 {
            current = sources[0]
            return
        }
        guard sources.allSatisfy({ $0.shape.count == 3 && $0.shape[1...] == sources[0].shape[1...] }) else {
            d.error("route joins outputs of different sizes (\(sources.map { Self.text($0.shape) }.joined(separator: ", ")))", at: o.value.location)
            return
        }
        let c = sources.reduce(0) { $0 + $1.shape[0] }
        add(s, .concat, "route\(i)", [], shape: [c] + Array(sources[0].shape[1...]), inputs: sources.map(\.node))
    }

    /// The previous output plus layer `from`'s, then the activation: an `add` when the shapes
    /// match, else a `shortcut` (main: the previous output; added: layer `from`'s, read every
    /// s-th pixel when larger, over the channels both have), darknet's `shortcut_cpu`.
    mutating func shortcut(_ s: DarknetSection, _ i: Int) {
        guard let o = s.option("from"), let v = Int(o.value.value), v < 0 ? i + v >= 0 : v < i else {
            d.error("[shortcut] needs from: an earlier layer's number (or a negative offset)", at: s.option("from")?.value.location ?? s.name.location)
            return
        }
        // Darknet's weights: out = alpha * out + beta * added where they meet (1 and 1 by default).
        for key in ["alpha", "beta"] where number(s, key, 1, min: -1e9) != 1 {
            d.error("a weighted shortcut ('\(key)' other than 1) is not available in netrun", at: s.option(key)?.value.location ?? s.name.location)
        }
        let j = v < 0 ? i + v : v
        let from = outputs[j]
        let op: OpKind
        if from.shape == current.shape {
            op = .add
        } else if from.shape.count == 3, current.shape.count == 3, ShortcutAxis(main: current.shape[1], added: from.shape[1]) != nil,
                  ShortcutAxis(main: current.shape[2], added: from.shape[2]) != nil {
            op = .shortcut
        } else {
            d.error("shortcut adds \(Self.text(from.shape)) (layer \(j)) to \(Self.text(current.shape)): netrun's shortcut needs images "
                    + "whose heights and widths are whole multiples of each other", at: o.value.location)
            return
        }
        let act = activation(s, default: "linear")
        add(s, op, "shortcut\(i)", [], shape: current.shape, inputs: [current.node, from.node])
        activationLayer(s, act, base: "shortcut\(i)")
    }

    static func text(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }

    // MARK: - Values

    mutating func int(_ s: DarknetSection, _ key: String, default value: Int? = nil, min: Int, max: Int = Limits.size) -> Int? {
        guard let o = s.option(key) else { return value }
        guard let v = Int(o.value.value), v >= min, v <= max else {
            d.error("'\(key)' must be a whole number from \(min) to \(max), not '\(o.value.value.clipped())'", at: o.value.location)
            return nil
        }
        return v
    }

    mutating func number(_ s: DarknetSection, _ key: String, _ value: Double, min: Double, max: Double = 1e9) -> Double {
        guard let o = s.option(key) else { return value }
        guard let v = Double(o.value.value), v.isFinite, v >= min, v <= max else {
            d.error("'\(key)' must be a number from \(PrototxtReader.text(min)) to \(PrototxtReader.text(max)), not '\(o.value.value.clipped())'", at: o.value.location)
            return value
        }
        return v
    }
}
