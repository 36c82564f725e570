// Choosing each node's kernel and resolving its sizes and parameter offsets.
import NetrunConfig
import NetrunGraph
import NetrunKernels

extension Executor {
    // swiftlint:disable:next function_parameter_count
    static func kind(of node: Node, in g: Graph, batch: Int, placed: Bool, offsets: [String: Int], lossIndex: Int,
                     correctIndex: Int, dropoutSeed: UInt64, ints: UnsafeMutablePointer<Int32>?,
                     floats: UnsafeMutablePointer<Float>?, bytes: UnsafeMutablePointer<UInt8>?, placedInputs: [Bool]) -> StepKind {
        func param(_ suffix: String) -> Int? { offsets["\(node.name).\(suffix)"] }
        func required(_ suffix: String) -> Int {
            guard let o = param(suffix) else { preconditionFailure("Executor: parameters lack '\(node.name).\(suffix)'") }
            return o
        }
        let x = node.inputs.first.map { g[$0].shape } ?? node.shape
        switch node.op {
        case .input, .flatten:
            return .none
        case .conv(let c):
            let geometry = convGeometry(g, node, batch: batch)
            return .conv(ConvStep(geometry: geometry, weight: required("weight"),
                                  bias: c.bias ? required("bias") : nil, activation: c.activation, placed: placed))
        case .dense(let d):
            return .dense(DenseStep(inputs: x.count, outputs: d.out, weight: required("weight"),
                                    bias: d.bias ? required("bias") : nil, activation: d.activation))
        case .activation(let f):
            return .activation(f)
        case .lrn(let l):
            guard let floats else { preconditionFailure("Executor: LRN norms not planned") }
            return .lrn(size: l.size, scale: Float(l.scale), beta: Float(l.beta), k: Float(l.k), norms: floats,
                        c: x.channels, spatial: x.spatial)
        case .pool(let p):
            let geometry = PoolGeometry(n: batch, c: x.channels, h: x.height, w: x.width, kh: p.kernel.h, kw: p.kernel.w,
                                        strideH: p.stride.h, strideW: p.stride.w, padH: p.pad.h, padW: p.pad.w,
                                        outH: node.shape.height, outW: node.shape.width)
            if p.kind == .max {
                guard let ints else { preconditionFailure("Executor: max-pool indices not planned") }
                return .maxPool(geometry, argmax: ints)
            }
            return .avgPool(geometry, includePad: p.divisor == .window)
        case .dropout(let rate):
            // Only in training plans: the inference graph has no dropout.
            guard let bytes else { preconditionFailure("Executor: dropout mask not planned") }
            return .dropout(p: Float(rate), seed: dropoutSeed ^ (UInt64(node.id) &* 0x9E37_79B9_7F4A_7C15), mask: bytes)
        case .concat:
            let channels = node.inputs.map { g[$0].shape.channels }
            var offsets: [Int] = [], o = 0
            for c in channels { offsets.append(o); o += c }
            return .concat(channels: channels, offsets: offsets, placed: placedInputs, totalChannels: node.shape.channels,
                           hw: node.shape.height * node.shape.width)
        case .add:
            return .add
        case .shortcut:
            let a = g[node.inputs[1]].shape
            guard let v = ShortcutAxis(main: x.height, added: a.height), let u = ShortcutAxis(main: x.width, added: a.width) else {
                preconditionFailure("Executor: shortcut sizes the shape rule accepted do not meet")
            }
            return .shortcut(ShortcutGeometry(n: batch, c: x.channels, h: x.height, w: x.width, addedC: a.channels, addedH: a.height,
                                              addedW: a.width, strideH: v.stride, strideW: u.stride, sampleH: v.sample, sampleW: u.sample,
                                              rows: v.count, cols: u.count))
        case .softmax:
            return .softmax(classes: node.shape.count)
        case .scale(let bias):
            return .scale(ScaleStep(c: x.channels, spatial: x.spatial, weight: required("weight"), bias: bias ? required("bias") : nil))
        case .batchNorm(let eps, let momentum):
            guard let floats else { preconditionFailure("Executor: batch-norm statistics not planned") }
            return .batchNorm(BatchNormStep(c: x.channels, spatial: x.spatial, epsilon: Float(eps), momentum: Float(momentum),
                                            gamma: required("weight"), beta: required("bias"),
                                            runningMean: required("running_mean"), runningVariance: required("running_var"),
                                            saved: floats))
        case .loss(let weight, let topK):
            // Inference plans skip losses (no labels): their probabilities are not planned.
            return .loss(index: lossIndex, weight: Float(weight), classes: x.count, probabilities: floats, topK: topK,
                         correct: correctIndex)
        }
    }
}
