import ArgumentParser
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunGraph

/// `netrun bench CONFIG --batch N --steps S` (hidden): forward+backward and inference img/s.
struct Bench: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time training steps (forward + backward, no optimizer) and inference on random data.",
        shouldDisplay: false
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Examples per step.")
    var batch: Int = 16

    @Option(help: "Timed steps (after two untimed ones).")
    var steps: Int = 5

    func execute(_ console: inout Console) -> Int32 {
        let loaded = Loaded(file: options.file, overrides: options.overrides)
        var renderer = DiagnosticRenderer()
        loaded.report(&console, renderer: &renderer)
        guard let graph = loaded.graph, !loaded.diagnostics.hasErrors else { return max(loaded.exitCode, ExitStatus.configErrors) }
        guard batch >= 1, steps >= 1 else {
            console.printError("error: --batch and --steps must be at least 1")
            return ExitStatus.usage
        }
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 0)
        var rng = SystemRandomNumberGenerator()
        let input = (0 ..< batch * graph.inputShape.count).map { _ in Float.random(in: -1 ... 1, using: &rng) }
        let labels = (0 ..< batch).map { _ in Int32.random(in: 0 ..< Int32(max(graph.classes, 1)), using: &rng) }

        let train = Executor(graph: graph, batch: batch, mode: .training, parameters: parameters)
        train.setInput(input)
        train.setLabels(labels)
        func trainStep(_ s: UInt64) {
            train.forward(&parameters, step: s)
            train.backward(parameters)
        }
        trainStep(0)
        trainStep(1)
        var start = Date()
        for s in 0 ..< steps { trainStep(UInt64(s + 2)) }
        let trainRate = Double(batch * steps) / Date().timeIntervalSince(start)

        let infer = Executor(graph: graph, batch: batch, mode: .inference, parameters: parameters)
        infer.setInput(input)
        infer.forward(&parameters)
        start = Date()
        for _ in 0 ..< steps { infer.forward(&parameters) }
        let inferRate = Double(batch * steps) / Date().timeIntervalSince(start)
        console.print(String(format: "{\"model\": \"%@\", \"batch\": %d, \"train_img_s\": %.2f, \"infer_img_s\": %.2f}",
                             loaded.config?.name ?? options.file, batch, trainRate, inferRate))
        return ExitStatus.ok
    }
}
