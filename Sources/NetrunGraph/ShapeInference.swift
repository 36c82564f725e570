import NetrunConfig

/// The output shape, resolved op, parameters and multiply-adds of one layer, from the shapes
/// of its inputs; or errors at the values that make it impossible.
struct ShapeInference {
    struct Output {
        var shape: TensorShape
        var op: Op
        var parameters: [Parameter]
        var macs: Int
    }

    let layer: LayerConfig
    let inputNames: [String]
    let classes: Int
    var diagnostics = Diagnostics()

    init(layer: LayerConfig, inputNames: [String], classes: Int) {
        self.layer = layer
        self.inputNames = inputNames
        self.classes = classes
    }

    private var name: String { layer.name.value }

    private mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.error(message, at: location, notes: layer.instanceNotes)
    }

    /// The input's location for messages: the `from` reference, or the layer.
    private func inputLocation(_ i: Int) -> SourceLocation {
        i < layer.inputs.count ? layer.inputs[i].location : layer.location
    }

    /// The output, or nil with an error when a shape, a parameter or the work of the node is
    /// beyond the limits of `TensorShape`.
    mutating func infer(_ ins: [TensorShape]) -> Output? {
        guard let r = inferShape(ins) else { return nil }
        if (TensorShape.checkedProduct(r.shape.dims) ?? .max) > TensorShape.maxCount {
            error("the output of '\(name)', \(r.shape), is too large (more than 2^36 values)", at: layer.location)
            return nil
        }
        for p in r.parameters where (TensorShape.checkedProduct(p.shape) ?? .max) > TensorShape.maxCount {
            error("parameter '\(p.name)' of shape \(p.shape.map(String.init).joined(separator: "x")) is too large (more than 2^36 values)", at: layer.location)
            return nil
        }
        if r.macs > TensorShape.maxMACs {
            error("'\(name)' needs more than 2^44 multiply-adds per image", at: layer.location)
            return nil
        }
        return r
    }

    private mutating func inferShape(_ ins: [TensorShape]) -> Output? {
        switch Op(layer.op).infer(ins, classes: classes) {
        case .success(let r):
            let params = r.parameters.map { p in
                Parameter(name: "\(name).\(p.suffix)", shape: p.shape, filler: p.filler ?? filler(p.suffix))
            }
            return Output(shape: r.shape, op: r.op, parameters: params, macs: r.macs)
        case .failure(let f):
            for p in f.problems { report(p, ins) }
            return nil
        }
    }

    private func filler(_ suffix: String) -> Filler {
        suffix == "weight" ? layer.initializer.weight?.value ?? .xavier(fan: .avg, distribution: .uniform)
            : layer.initializer.bias?.value ?? .constant(0)
    }

    /// A problem as a message at the value that causes it.
    private mutating func report(_ problem: ShapeProblem, _ ins: [TensorShape]) {
        let keyword = layer.op.keyword
        func size(_ x: TensorShape) -> String { "\(x.height)x\(x.width)" }
        switch (problem, layer.op) {
        case (.arity(let given), _):
            let two = layer.op.kind.arity == .two
            error("\(keyword) takes \(two ? "two inputs" : "one input"); '\(name)' names \(given)", at: inputLocation(two ? 2 : 1))
        case (.notImage(let i), _):
            error("\(keyword) needs an image input (channels x height x width), but '\(inputNames[i])' gives \(ins[i])", at: inputLocation(i))
        case (.groupsInputChannels(let g, let c), .conv(let conv)):
            error("groups \(g) does not divide the \(c) input channels of '\(name)' (from '\(inputNames[0])')", at: conv.groups.location)
        case (.groupsOutputChannels(let g, let out), .conv(let conv)):
            error("groups \(g) does not divide the \(out) output channels of '\(name)'", at: conv.out.location)
        case (.kernelTooLarge(let k, let span, let padded, let pad), .conv(let conv)):
            let dilated = span == k ? "" : " (\(span) dilated)"
            error("kernel \(k)\(dilated) is larger than the padded input \(padded.h)x\(padded.w) of '\(name)' (\(size(ins[0])) from '\(inputNames[0])', pad \(pad))",
                  at: conv.kernel.location)
        case (.poolPadTooLarge(let pad, let k), .pool(let p)):
            error("padding \(pad) is more than half the pooling window \(k) of '\(name)'", at: p.pad.location)
        case (.windowTooLarge(let k, let padded), .pool(let p)):
            error("pooling window \(k) is larger than the padded input \(padded.h)x\(padded.w) of '\(name)' (\(size(ins[0])) from '\(inputNames[0])')",
                  at: p.kernel?.location ?? layer.location)
        case (.concatMismatch(let i), _):
            let x = ins[i], first = ins[0]
            let what = x.isImage && first.isImage ? "is \(size(x))" : "gives \(x)"
            let other = first.isImage && x.isImage ? size(first) : "\(first)"
            error("concat input '\(inputNames[i])' \(what) but '\(inputNames[0])' is \(other): concat joins channels of equal height and width", at: inputLocation(i))
        case (.addMismatch(let i), _):
            error("add input '\(inputNames[i])' gives \(ins[i]) but '\(inputNames[0])' gives \(ins[0]): add sums inputs of one shape", at: inputLocation(i))
        case (.shortcutRatio, _):
            error("shortcut input '\(inputNames[1])' is \(size(ins[1])) but '\(inputNames[0])' is \(size(ins[0])): the added input's height "
                  + "and width must each be a whole multiple or a whole fraction of the main input's", at: inputLocation(1))
        case (.lossClasses(let given), _):
            error("the loss on '\(inputNames[0])' needs \(classes) class scores (model.classes), but '\(inputNames[0])' gives \(given)", at: inputLocation(0))
        case (.topKAboveClasses(let i), .loss(let l)):
            error("top-\(l.topK[i].value) needs at least \(l.topK[i].value) classes, but model.classes is \(classes)", at: l.topK[i].location)
        default:
            error("\(keyword) cannot run on \(ins.map(\.description).joined(separator: ", "))", at: layer.location)
        }
    }
}
