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
        if case .concat = layer.op {} else if ins.count != 1 {
            error("\(layer.op.keyword) takes one input; '\(name)' names \(ins.count)", at: inputLocation(1))
            return nil
        }
        guard let x = ins.first else { return nil }
        switch layer.op {
        case .conv(let c): return conv(c, x)
        case .dense(let dense):
            let fanIn = x.count
            let op = Op.dense(.init(out: dense.out.value, bias: dense.bias, activation: dense.activation))
            var params = [weight([dense.out.value, fanIn])]
            if dense.bias { params.append(bias(dense.out.value)) }
            return Output(shape: TensorShape([dense.out.value]), op: op, parameters: params,
                          macs: TensorShape.checkedProduct([dense.out.value, fanIn]) ?? .max)
        case .activation(let a):
            return Output(shape: x, op: .activation(a), parameters: [], macs: 0)
        case .lrn(let l):
            guard image(x, "lrn") else { return nil }
            let op = Op.LRN(size: l.size.value, scale: l.scale, beta: l.beta.value, k: l.k.value, form: l.form, alpha: l.alpha.value)
            return Output(shape: x, op: .lrn(op), parameters: [], macs: 0)
        case .pool(let p): return pool(p, x)
        case .dropout(let rate):
            return Output(shape: x, op: .dropout(rate: rate.value), parameters: [], macs: 0)
        case .flatten:
            return Output(shape: TensorShape([x.count]), op: .flatten, parameters: [], macs: 0)
        case .softmax:
            return Output(shape: x, op: .softmax, parameters: [], macs: 0)
        case .batchNorm(let b):
            let c = x.channels
            let params = [Parameter(name: "\(name).weight", shape: [c], filler: .constant(1)),
                          Parameter(name: "\(name).bias", shape: [c], filler: .constant(0))]
            return Output(shape: x, op: .batchNorm(eps: b.eps.value, momentum: b.momentum.value), parameters: params, macs: 0)
        case .concat: return concat(ins)
        case .loss(let l):
            if x.count != classes {
                error("the loss on '\(inputNames[0])' needs \(classes) class scores (model.classes), but '\(inputNames[0])' gives \(x)", at: inputLocation(0))
                return nil
            }
            return Output(shape: TensorShape([1]), op: .loss(weight: l.weight.value, topK: l.topK.map(\.value)), parameters: [], macs: 0)
        }
    }

    private mutating func image(_ x: TensorShape, _ what: String) -> Bool {
        if x.isImage { return true }
        error("\(what) needs an image input (channels x height x width), but '\(inputNames[0])' gives \(x)", at: inputLocation(0))
        return false
    }

    private func weight(_ shape: [Int]) -> Parameter {
        Parameter(name: "\(name).weight", shape: shape, filler: layer.initializer.weight?.value ?? .xavier(fan: .avg, distribution: .uniform))
    }

    private func bias(_ n: Int) -> Parameter {
        Parameter(name: "\(name).bias", shape: [n], filler: layer.initializer.bias?.value ?? .constant(0))
    }

    /// Output length of a window sweep; nil when the (dilated) window is larger than the padded input.
    private func sweep(_ size: Int, kernel: Int, stride: Int, pad: Int, dilation: Int = 1, ceil: Bool = false) -> Int? {
        let span = dilation * (kernel - 1) + 1
        let room = size + 2 * pad - span
        guard room >= 0 else { return nil }
        guard ceil else { return room / stride + 1 }
        var out = (room + stride - 1) / stride + 1
        // Caffe's and PyTorch's rule: the last window must start inside the input or its left padding.
        if (out - 1) * stride >= size + pad { out -= 1 }
        return out
    }

    private mutating func conv(_ c: LayerOp.Conv, _ x: TensorShape) -> Output? {
        guard image(x, "conv") else { return nil }
        let cin = x.channels
        var ok = true
        if cin % c.groups.value != 0 {
            error("groups \(c.groups.value) does not divide the \(cin) input channels of '\(name)' (from '\(inputNames[0])')", at: c.groups.location)
            ok = false
        }
        if c.out.value % c.groups.value != 0 {
            error("groups \(c.groups.value) does not divide the \(c.out.value) output channels of '\(name)'", at: c.out.location)
            ok = false
        }
        let k = c.kernel.value, s = c.stride.value, p = c.pad.value, dl = c.dilation.value
        let oh = sweep(x.height, kernel: k.h, stride: s.h, pad: p.h, dilation: dl.h)
        let ow = sweep(x.width, kernel: k.w, stride: s.w, pad: p.w, dilation: dl.w)
        if oh == nil || ow == nil {
            let span = Size2(dl.h * (k.h - 1) + 1, dl.w * (k.w - 1) + 1)
            let dilated = span == k ? "" : " (\(span) dilated)"
            error("kernel \(k)\(dilated) is larger than the padded input \(x.height + 2 * p.h)x\(x.width + 2 * p.w) of '\(name)' (\(x.height)x\(x.width) from '\(inputNames[0])', pad \(p))", at: c.kernel.location)
            ok = false
        }
        guard ok, let oh, let ow else { return nil }
        let op = Op.Conv(out: c.out.value, kernel: k, stride: s, pad: p, dilation: dl, groups: c.groups.value, bias: c.bias, activation: c.activation)
        var params = [weight([c.out.value, cin / c.groups.value, k.h, k.w])]
        if c.bias { params.append(bias(c.out.value)) }
        let macs = TensorShape.checkedProduct([c.out.value, oh, ow, cin / c.groups.value, k.h, k.w]) ?? .max
        return Output(shape: TensorShape([c.out.value, oh, ow]), op: .conv(op), parameters: params, macs: macs)
    }

    private mutating func pool(_ p: LayerOp.Pool, _ x: TensorShape) -> Output? {
        guard image(x, p.kind == .max ? "maxpool" : "avgpool") else { return nil }
        let global = p.kernel == nil
        let k = p.kernel?.value ?? Size2(x.height, x.width)
        let s = global ? Size2(square: 1) : p.stride.value
        let pad = global ? Size2(square: 0) : p.pad.value
        let at = p.kernel?.location ?? layer.location
        if pad.h > k.h / 2 || pad.w > k.w / 2 {
            error("padding \(pad) is more than half the pooling window \(k) of '\(name)'", at: p.pad.location)
            return nil
        }
        let ceil = p.rounding == .ceil
        guard let oh = sweep(x.height, kernel: k.h, stride: s.h, pad: pad.h, ceil: ceil),
              let ow = sweep(x.width, kernel: k.w, stride: s.w, pad: pad.w, ceil: ceil) else {
            error("pooling window \(k) is larger than the padded input \(x.height + 2 * pad.h)x\(x.width + 2 * pad.w) of '\(name)' (\(x.height)x\(x.width) from '\(inputNames[0])')", at: at)
            return nil
        }
        let op = Op.Pool(kind: p.kind, kernel: k, stride: s, pad: pad, rounding: p.rounding, divisor: p.divisor, global: global)
        return Output(shape: TensorShape([x.channels, oh, ow]), op: .pool(op), parameters: [], macs: 0)
    }

    private mutating func concat(_ ins: [TensorShape]) -> Output? {
        guard let first = ins.first else { return nil }
        for (i, x) in ins.enumerated() where x.rank != first.rank || (x.isImage && (x.height != first.height || x.width != first.width)) {
            let what = x.isImage && first.isImage ? "is \(x.height)x\(x.width)" : "gives \(x)"
            let other = first.isImage && x.isImage ? "\(first.height)x\(first.width)" : "\(first)"
            error("concat input '\(inputNames[i])' \(what) but '\(inputNames[0])' is \(other): concat joins channels of equal height and width", at: inputLocation(i))
            return nil
        }
        var dims = first.dims
        dims[0] = ins.reduce(0) { $0 + $1.dims[0] }
        return Output(shape: TensorShape(dims), op: .concat, parameters: [], macs: 0)
    }
}
