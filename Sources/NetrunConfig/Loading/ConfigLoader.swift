import Foundation

/// What a load produced: a configuration when there were no errors, and every problem found.
public struct LoadResult: Sendable {
    public var config: Config?
    public var diagnostics: Diagnostics
    /// The model as far as it could be read, also when the file has errors, so that graph
    /// checks can report their problems in the same pass. Layers with errors are marked `isBroken`.
    public var partialModel: ModelConfig?

    init(config: Config?, diagnostics: Diagnostics, partialModel: ModelConfig? = nil) {
        self.config = config
        self.diagnostics = diagnostics
        self.partialModel = partialModel ?? config?.model
    }
}

/// Loads a configuration file: reads it (and the files it `extends`), applies `--set`
/// overrides, expands blocks and decodes every section, collecting all problems in one pass.
public enum ConfigLoader {
    /// Files a chain of `extends` may visit.
    static let maxExtendsDepth = 16

    public static func load(file: String, overrides: [String] = [], limits: YAMLLimits = YAMLLimits()) -> LoadResult {
        var reader = Reader()
        guard let tree = readWithExtends(file, chain: [], limits: limits, reader: &reader) else {
            return LoadResult(config: nil, diagnostics: reader.diagnostics)
        }
        return decode(tree, file: file, overrides: overrides, reader: reader)
    }

    /// Loads from text held in memory (`extends` paths are relative to `file`'s directory).
    public static func load(text: String, file: String = "<memory>", overrides: [String] = []) -> LoadResult {
        var reader = Reader()
        do {
            let node = try YAMLReader.parse(text, file: file)
            guard let tree = resolveExtends(node, file: file, chain: [file], limits: YAMLLimits(), reader: &reader) else {
                return LoadResult(config: nil, diagnostics: reader.diagnostics)
            }
            return decode(tree, file: file, overrides: overrides, reader: reader)
        } catch {
            reader.diagnostics.append(contentsOf: error.diagnostics)
            return LoadResult(config: nil, diagnostics: reader.diagnostics)
        }
    }

    // MARK: - extends

    private static func readWithExtends(_ file: String, chain: [String], limits: YAMLLimits, reader: inout Reader) -> YAMLNode? {
        let node: YAMLNode
        do { node = try YAMLReader.read(file: file, limits: limits) } catch {
            reader.diagnostics.append(contentsOf: error.diagnostics)
            return nil
        }
        return resolveExtends(node, file: file, chain: chain + [file], limits: limits, reader: &reader)
    }

    /// `extends: base.yaml` (relative to the file that says it): the base's tree with this
    /// file's mappings laid over it.
    private static func resolveExtends(_ node: YAMLNode, file: String, chain: [String], limits: YAMLLimits, reader: inout Reader) -> YAMLNode? {
        guard node.pairs != nil else {
            reader.error("a config is a mapping with the sections model, train and eval; found \(node.kindDescription)", at: node.location)
            return nil
        }
        guard let ext = node["extends"] else { return node }
        guard let base = reader.path(ext, what: "the path of a config file") else { return nil }
        let path = resolvePath(base.value, relativeTo: base.location.file)
        let canonical = chain.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        if canonical.contains(URL(fileURLWithPath: path).standardizedFileURL.path) {
            reader.error("'\(base.value)' extends itself through \((chain + [path]).joined(separator: " -> "))", at: base.location)
            return nil
        }
        if chain.count >= maxExtendsDepth {
            reader.error("more than \(maxExtendsDepth) files in the chain of 'extends'", at: base.location)
            return nil
        }
        // A missing base is the `extends` line's mistake: reported there, not at the base.
        if !FileManager.default.isReadableFile(atPath: path) {
            reader.error("cannot read '\(base.value)' (looked for \(path))", at: base.location)
            return nil
        }
        guard let parent = readWithExtends(path, chain: chain, limits: limits, reader: &reader) else { return nil }
        return parent.merged(with: node.removing(key: "extends"))
    }

    /// A path written in `file`: absolute, or relative to `file`'s directory.
    public static func resolvePath(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") || file.hasPrefix("--set") || file.hasPrefix("<") { return path }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? path : (dir as NSString).appendingPathComponent(path)
    }

    // MARK: - sections

    private static func decode(_ tree: YAMLNode, file: String, overrides: [String], reader start: Reader) -> LoadResult {
        var reader = start
        var tree = tree
        for text in overrides {
            if let o = Override.parse(text, reader: &reader) { tree = o.apply(to: tree, reader: &reader) }
        }
        let f = Fields(tree, allowed: ["name", "description", "model", "train", "eval"], what: "the config", reader: &reader)
        let name = f?["name"].flatMap { reader.string($0, what: "a name")?.value }
            ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        guard let modelNode = f?.require("model", what: "the config", reader: &reader) else {
            return LoadResult(config: nil, diagnostics: reader.diagnostics)
        }
        let (model, resolvedModel) = decodeModel(modelNode, reader: &reader)
        let train = f?["train"].flatMap { reader.train($0, modelName: name) }
        let eval = f?["eval"].flatMap { reader.eval($0) }
        if let model, let train { crossCheck(model: model, train: train, eval: eval, reader: &reader) }

        var resolved = tree
        if let resolvedModel, var pairs = resolved.pairs, let i = pairs.firstIndex(where: { $0.key.text == "model" }) {
            pairs[i].value = resolvedModel
            resolved = YAMLNode(.mapping(pairs), at: tree.location)
        }
        guard !reader.diagnostics.hasErrors, let model, !model.layers.contains(where: \.isBroken) else {
            return LoadResult(config: nil, diagnostics: reader.diagnostics, partialModel: model)
        }
        let config = Config(file: file, name: name, model: model, train: train, eval: eval, resolved: resolved)
        return LoadResult(config: config, diagnostics: reader.diagnostics)
    }

    /// The `model:` section, and its resolved form (blocks expanded) for `netrun config`.
    private static func decodeModel(_ node: YAMLNode, reader: inout Reader) -> (ModelConfig?, YAMLNode?) {
        guard let f = Fields(node, allowed: ["input", "classes", "init", "blocks", "layers", "output"], what: "model", reader: &reader) else { return (nil, nil) }
        var input: Located<[Int]>?
        if let n = f.require("input", what: "model", reader: &reader) {
            if let items = n.items, items.count == 3 {
                let dims = items.compactMap { reader.int($0, min: 1, max: Limits.size, what: "an input size") }
                if dims.count == 3 { input = Located(dims.map(\.value), at: n.location) }
            } else {
                reader.error("expected the input as [channels, height, width], found \(n.kindDescription)", at: n.location)
            }
        }
        let classes = f.require("classes", what: "model", reader: &reader).flatMap { reader.int($0, min: 1, max: Limits.size, what: "a class count") }
        var defaults = Initializer(weight: Located(.xavier(fan: .avg, distribution: .uniform), at: node.location), bias: Located(.constant(0), at: node.location))
        if let i = f["init"], let own = reader.initializer(i) { defaults = own.over(defaults) }

        var blocks: [String: BlockTemplate] = [:]
        if let b = f["blocks"] {
            if let pairs = b.pairs {
                for pair in pairs {
                    guard let name = pair.key.text else { continue }
                    if OpKind(rawValue: name) != nil {
                        reader.error("block name '\(name)' is the name of an op; choose another", at: pair.key.location)
                    } else if let t = BlockTemplate.decode(name: name, pair.value, at: pair.key.location, reader: &reader) {
                        blocks[name] = t
                    }
                }
            } else {
                reader.error("expected blocks as a mapping of block names to definitions, found \(b.kindDescription)", at: b.location)
            }
        }
        guard let layersNode = f.require("layers", what: "model", reader: &reader) else { return (nil, nil) }
        guard let items = layersNode.items, !items.isEmpty else {
            reader.error("expected the layers as a non-empty list, found \(layersNode.kindDescription)", at: layersNode.location)
            return (nil, nil)
        }
        var globals: [String: YAMLNode] = [:]
        if let c = f["classes"] { globals["classes"] = c }
        var expander = BlockExpander(reader: reader, blocks: blocks, globals: globals)
        expander.expand(items, scope: .init())
        reader = expander.reader
        for (name, block) in blocks where !expander.usedBlocks.contains(name) {
            reader.warning("block '\(name)' is never used", at: block.location)
        }
        var layers: [LayerConfig] = []
        for e in expander.layers {
            let saved = reader.notes
            reader.notes = e.instances.reversed().map { .init("in '\($0.name)', an instance of block '\($0.block)'", at: $0.location) }
            if let layer = reader.layer(e, defaults: defaults) {
                layers.append(layer)
            } else {
                var placeholder = LayerConfig(name: e.name, op: .flatten, inputs: e.inputs, location: e.op.location, instances: e.instances)
                placeholder.isBroken = true
                layers.append(placeholder)
            }
            reader.notes = saved
        }
        let output = f["output"].flatMap { reader.string($0, what: "a node name") }

        var pairs = (node.pairs ?? []).filter { $0.key.text != "blocks" }
        if let i = pairs.firstIndex(where: { $0.key.text == "layers" }) {
            pairs[i].value = YAMLNode(.sequence(expander.resolvedItems), at: layersNode.location)
        }
        let resolved = YAMLNode(.mapping(pairs), at: node.location)
        guard let input, let classes else { return (nil, resolved) }
        return (ModelConfig(input: input, classes: classes, output: output, layers: layers,
                            instanceOutputs: expander.instanceOutputs, location: node.location), resolved)
    }

    /// Checks that need two sections at once.
    private static func crossCheck(model: ModelConfig, train: TrainConfig, eval: EvalConfig?, reader: inout Reader) {
        let (h, w) = (model.input.value[1], model.input.value[2])
        for a in train.augment {
            if case .randomCrop(let size, _) = a, size.value != h || size.value != w {
                reader.error("random_crop size \(size.value) does not match the model's input \(h)x\(w)", at: size.location)
            }
        }
        if case .plateau(_, let monitor, _, _, _) = train.schedule.policy, monitor != .trainLoss, eval == nil {
            reader.error("the plateau schedule watches \(monitor.rawValue), which needs an 'eval' section", at: train.location)
        }
        if let best = train.checkpoint.best, best != .trainLoss, eval == nil {
            reader.error("keeping the best checkpoint by \(best.rawValue) needs an 'eval' section", at: train.checkpoint.directory.location)
        }
    }
}
