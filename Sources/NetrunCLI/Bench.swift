import ArgumentParser
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunGraph
import NetrunKernels

/// `netrun bench CONFIG --batch N --steps S` (hidden): forward+backward and inference img/s.
struct Bench: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time training steps (forward, backward, SGD with momentum and weight decay) and inference on random data.",
        shouldDisplay: false
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Examples per step (at least 1, within the machine's memory).")
    var batch: Int = 16

    @Option(help: "Timed steps, after two untimed ones (1 to 1000000).")
    var steps: Int = 5

    func validate() throws {
        try NetrunCLI.validate(batch, in: 1 ... Int.max, option: "batch")
        try NetrunCLI.validate(steps, in: 1 ... 1_000_000, option: "steps")
    }

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        let graph = checked.graph
        // The training plan and its buffers, and beside it the inference plan.
        let need = ByteCount.sum([Executor.requiredBytes(graph: graph, batch: batch, mode: .training),
                               Executor.planBytes(graph: graph, batch: batch, mode: .inference)])
        if let refusal = MemoryCheck.check(need, for: "--batch \(batch)") {
            console.printError(refusal)
            return ExitStatus.usage
        }
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 0)
        var rng = SystemRandomNumberGenerator()
        let input = (0 ..< batch * graph.inputShape.count).map { _ in Float.random(in: -1 ... 1, using: &rng) }
        let labels = (0 ..< batch).map { _ in Int32.random(in: 0 ..< Int32(clamping: max(graph.classes, 1)), using: &rng) }

        let train = Executor(graph: graph, batch: batch, mode: .training, parameters: parameters)
        train.setInput(input)
        train.setLabels(labels)
        // The optimizer step of peer_torch.py: SGD, momentum 0.9, weight decay 5e-4, on the
        // learnable tensors (batch norm's running statistics are not).
        var velocity = [Float](repeating: 0, count: parameters.count)
        let learnable = parameters.entries.filter(\.learnable).map { $0.offset ..< $0.offset + $0.count }
        func trainStep(_ s: UInt64) {
            train.forward(&parameters, step: s)
            train.backward(parameters)
            let g = train.parameterGradients.base
            parameters.values.withUnsafeMutableBufferPointer { w in
                velocity.withUnsafeMutableBufferPointer { v in
                    guard let wb = w.baseAddress, let vb = v.baseAddress else { return }
                    for r in learnable {
                        SGD.step(weights: wb + r.lowerBound, gradients: g + r.lowerBound, velocity: vb + r.lowerBound,
                                 count: r.count, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
                    }
                }
            }
        }
        trainStep(0)
        trainStep(1)
        var start = Date()
        for s in 0 ..< steps { trainStep(UInt64(s + 2)) }
        let trainRate = Double(batch) * Double(steps) / Date().timeIntervalSince(start)

        let infer = Executor(graph: graph, batch: batch, mode: .inference, parameters: parameters)
        infer.setInput(input)
        infer.forward(&parameters)
        start = Date()
        for _ in 0 ..< steps { infer.forward(&parameters) }
        let inferRate = Double(batch) * Double(steps) / Date().timeIntervalSince(start)
        console.print(String(format: "{\"model\": \"%@\", \"batch\": %d, \"train_img_s\": %.2f, \"infer_img_s\": %.2f}",
                             checked.config.name, batch, trainRate, inferRate))
        return ExitStatus.ok
    }
}
