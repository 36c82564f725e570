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

    func validate() throws {
        if let batch { try NetrunCLI.validate(batch, in: 1 ... Int.max, option: "batch") }
    }

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        let graph = checked.graph
        // Every file problem at once.
        var problems: [FileError] = []
        do { try InputFile.check(weights, what: "weights file", limit: .memory) } catch { problems.append(error) }
        do { try InputFile.check(input, what: "input file", limit: .memory) } catch { problems.append(error) }
        do {
            try OutputPath.check(output, what: "output", inputs: [(options.file, "the config"), (weights, "--weights"), (input, "--input")])
        } catch { problems.append(error) }
        guard problems.isEmpty else {
            for p in problems { console.printError(p.description) }
            return ExitStatus.usage
        }
        if let code = Netrun.prepareCompute(console) { return code }
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
            predictor = try Predictor(graph: graph, node: node, batch: min(batch ?? 64, n))
        } catch {
            console.printError("error: --node: \(error.message)")
            return ExitStatus.usage
        }
        if let refusal = MemoryCheck.check(Self.requiredBytes(predictor, examples: n), for: "predicting \(n) examples in batches of \(predictor.batch)") {
            console.printError(refusal)
            return ExitStatus.usage
        }
        let y = predictor.run(&parameters, input: x.values, count: n)
        do {
            try NPY.write(NPYArray(shape: [n] + predictor.outputShape, values: y), to: output)
        } catch {
            console.printError(Self.describe(error))
            return ExitStatus.usage
        }
        let name = graph.inference()[predictor.node].name
        console.print("\(output): \(Self.text([n] + predictor.outputShape)) from '\(name)'")
        if let warning = Self.nonFiniteWarning(y, node: name) { console.printError(warning) }
        return ExitStatus.ok
    }

    /// The memory `predictor.run` needs beside the input already read: the plan for a full
    /// batch with the weights, the plan for the remainder (built while the first still
    /// exists), and the result.
    static func requiredBytes(_ predictor: Predictor, examples n: Int) -> Int? {
        let options = PlanOptions(keep: [predictor.node]), float = MemoryLayout<Float>.stride
        let rest = n % predictor.batch
        return ByteCount.sum([
            Executor.requiredBytes(graph: predictor.graph, batch: predictor.batch, mode: .inference, options: options),
            rest == 0 ? 0 : Executor.planBytes(graph: predictor.graph, batch: rest, mode: .inference, options: options),
            ByteCount.product(ByteCount.product(n, predictor.outputShape.reduce(1, *)), float),
        ])
    }

    /// A warning naming `node` when some of its values are NaN or infinite, or nil.
    static func nonFiniteWarning(_ values: [Float], node: String) -> String? {
        var nan = 0, infinite = 0
        for v in values where !v.isFinite { if v.isNaN { nan += 1 } else { infinite += 1 } }
        guard nan + infinite > 0 else { return nil }
        return "warning: \(nan + infinite) of \(values.count) values of '\(node)' are not finite (\(nan) NaN, \(infinite) infinite)"
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? FileError { return e.description }
        if let e = error as? WeightsMismatch { return e.description }
        return "error: \(error)"
    }

    static func text(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}
