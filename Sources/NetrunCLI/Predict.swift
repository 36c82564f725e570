import ArgumentParser
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunFormats
import NetrunGraph

/// `netrun predict CONFIG --weights W --input X --output Y [--node NAME] [--batch N]`.
struct Predict: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the inference graph on a .npy batch and write one node's output as .npy.",
        discussion: """
        The input is float32 N x C x H x W (the model's input shape); the output is the logits \
        (the model's output node) unless --node names another node. Weights are safetensors with \
        netrun's parameter names and PyTorch layouts. Exit 2 when a file cannot be read or does \
        not fit the model.
        """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Weights (.safetensors).")
    var weights: String

    @Option(help: "Input batch (.npy, float32, N x C x H x W).")
    var input: String

    @Option(help: "Where to write the result (.npy, written atomically).")
    var output: String

    @Option(help: "Return this node's output instead of the model's output.")
    var node: String?

    @Option(help: "Examples per forward pass (default: all, at most 64).")
    var batch: Int?

    func execute(_ console: inout Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: &console, exitCode: &code) else { return code }
        let graph = checked.graph
        if let batch, batch < 1 {
            console.printError("error: --batch must be at least 1 (got \(batch))")
            return ExitStatus.usage
        }
        var parameters = ParameterStore(graph: graph)
        do {
            try parameters.load(path: weights)
        } catch {
            console.printError(Self.describe(error))
            return ExitStatus.usage
        }
        let x: NPYArray
        do {
            x = try NPY.read(path: input)
        } catch {
            console.printError(Self.describe(error))
            return ExitStatus.usage
        }
        let dims = graph.inputShape.dims
        guard x.shape.count == dims.count + 1, Array(x.shape.dropFirst()) == dims, let n = x.shape.first, n >= 1 else {
            let want = "N x " + dims.map(String.init).joined(separator: " x ")
            console.printError("\(input): error: the input has shape \(Self.text(x.shape)), but '\(options.file)' takes \(want) (float32, N >= 1)")
            return ExitStatus.usage
        }
        let predictor: Predictor
        do {
            predictor = try Predictor(graph: graph, node: node, batch: batch ?? min(n, 64))
        } catch {
            console.printError("error: --node: \(error.message)")
            return ExitStatus.usage
        }
        let y = predictor.run(&parameters, input: x.values, count: n)
        do {
            try NPY.write(NPYArray(shape: [n] + predictor.outputShape, values: y), to: output)
        } catch {
            console.printError(Self.describe(error))
            return ExitStatus.usage
        }
        console.print("\(output): \(Self.text([n] + predictor.outputShape)) from '\(graph.inference()[predictor.node].name)'")
        return ExitStatus.ok
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? FormatError { return e.description }
        if let e = error as? WeightsMismatch { return e.description }
        return "error: \(error)"
    }

    static func text(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}
