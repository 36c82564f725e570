import ArgumentParser
import Foundation
import NetrunBackend
import NetrunFormats
import NetrunInterchange

/// `netrun export CONFIG --weights W.safetensors -o MODEL.onnx`.
struct Export: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the inference graph and its weights as an ONNX model (opset 17).",
        discussion: """
        Training-only heads, losses and dropout are left out. Tensors and nodes keep netrun's \
        names (conv1, conv1.weight, inception_3a/1x1, ...); the input is `input`, float32 \
        N x C x H x W with N free, and the output is the node `netrun predict` returns. Exit 2 \
        when the weights do not fit the config or a file cannot be used.
        """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Weights (.safetensors) with netrun's parameter names.")
    var weights: String

    @Option(name: [.short, .customLong("output")], help: "Where to write the model (.onnx, written atomically).")
    var output: String

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        var problems: [FileError] = []
        do { try InputFile.check(weights, what: "weights file", limit: .memory) } catch { problems.append(error) }
        do { try OutputPath.check(output, what: "output", inputs: [(options.file, "the config"), (weights, "--weights")]) } catch { problems.append(error) }
        guard problems.isEmpty else {
            for p in problems { console.printError(p.description) }
            return ExitStatus.usage
        }
        var parameters = ParameterStore(graph: checked.graph)
        do {
            try parameters.load(path: weights)
        } catch {
            console.printError(Predict.describe(error))
            return ExitStatus.usage
        }
        do {
            let bytes = try ONNXExport.model(graph: checked.graph, weights: parameters.namedTensors, name: checked.config.name)
            try AtomicFile.write(bytes, to: output)
            console.print("\(output): ONNX opset \(ONNXExport.opset), \(bytes.count) bytes, output '\(checked.graph[checked.graph.output].name)'")
        } catch {
            console.printError("\(output): error: \(error)")
            return ExitStatus.usage
        }
        return ExitStatus.ok
    }
}
