// Max and average pooling.
import NetrunGraph
import NetrunKernels

extension PoolGeometry {
    init(_ p: Op.Pool, _ setup: StepSetup) {
        let x = setup.input, y = setup.node.shape
        self.init(n: setup.batch, c: x.channels, h: x.height, w: x.width, kh: p.kernel.h, kw: p.kernel.w,
                  strideH: p.stride.h, strideW: p.stride.w, padH: p.pad.h, padW: p.pad.w, outH: y.height, outW: y.width)
    }
}

struct MaxPoolStep: StepOp {
    var geometry: PoolGeometry
    /// Each output's input position, kept from forward (training) for backward.
    var argmax: UnsafeMutablePointer<Int32>

    init(_ p: Op.Pool, _ setup: StepSetup) {
        geometry = PoolGeometry(p, setup)
        argmax = setup.planned(setup.ints, "max-pool indices")
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        MaxPool.forward(geometry, s.inputs[0].base, s.output.base, argmax: argmax, argmaxNeeded: r.mode == .training)
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        s.intoInputGradient(0, r) { dx in MaxPool.backward(geometry, outputGradient: dy.base, argmax: argmax, inputGradient: dx) }
    }
}

struct AvgPoolStep: StepOp {
    var geometry: PoolGeometry
    var includePad: Bool

    init(_ p: Op.Pool, _ setup: StepSetup) {
        geometry = PoolGeometry(p, setup)
        includePad = p.divisor == .window
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        AvgPool.forward(geometry, s.inputs[0].base, s.output.base, countIncludePad: includePad)
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        s.intoInputGradient(0, r) { dx in AvgPool.backward(geometry, outputGradient: dy.base, inputGradient: dx, countIncludePad: includePad) }
    }
}
