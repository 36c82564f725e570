import ArgumentParser
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunData
import NetrunFormats
import NetrunRunner

/// `netrun eval CONFIG --weights W`: loss, top-k, per-class accuracy and the confusion matrix on eval.data.
struct Eval: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate weights on the config's eval data: loss, top-1, top-5, per-class accuracy, confusion matrix.",
        discussion: """
        The inference graph (no training-only heads, no dropout, batch norm's running statistics) over every example once. \
        An example whose output is NaN or infinite counts as wrong; eval then names the first node whose output was not \
        finite. Exit codes: 0, 1 config errors, 2 unusable input, 3 some outputs not finite, 130 interrupted (Ctrl-C, SIGTERM).
        """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("The weights (.safetensors).", valueName: "file"))
    var weights: String

    @Option(help: "center; mirror (the center and its mirror image, softmax averaged); or ten_crop (four corners and center, mirrored, softmax averaged); default: eval.views.")
    var views: EvalConfig.Views?

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    func validate() throws { try validateOverrides(options.overrides) }

    func execute(_ console: Console) -> Int32 {
        // A Ctrl-C or SIGTERM stops the evaluation at the next batch, with a message.
        Interrupt.install()
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        let config = checked.config, graph = checked.graph
        guard let eval = config.eval else {
            console.printError("\(options.file): error: the config has no 'eval' section (eval.data says what to evaluate on)")
            return ExitStatus.configErrors
        }
        var parameters = ParameterStore(graph: graph)
        do {
            try InputFile.check(weights, what: "weights file", limit: .memory)
            try parameters.load(path: weights)
        } catch let problem as FileError {
            console.printError(problem.description)
            return ExitStatus.usage
        } catch {
            console.printError(Predict.describe(error))
            return ExitStatus.usage
        }
        if let code = Netrun.prepareCompute(console) { return code }
        let shape = graph.inputShape.dims
        let result: EvaluationResult
        do {
            // A per-pixel mean is the training set's mean image.
            var meanImage: [Float]?
            if eval.data.mean == .perPixel {
                guard let train = config.train else {
                    console.printError("\(options.file): error: mean: per_pixel needs the training data (a 'train' section) for its mean image")
                    return ExitStatus.configErrors
                }
                meanImage = try Dataset.open(train.data, classes: graph.classes, input: shape).meanImage()
            }
            let dataset = try Dataset.open(eval.data, classes: graph.classes, input: shape)
            let preprocessing = try Preprocessing(source: eval.data, input: shape, views: views ?? eval.views, meanImage: meanImage)
            let tally = try Evaluator(graph: graph, dataset: dataset, preprocessing: preprocessing, batch: eval.batch.value)
                .tally(&parameters, stop: { Interrupt.pending != nil })
            if tally.interrupted {
                let signal = Interrupt.pending == SIGTERM ? "SIGTERM" : "SIGINT"
                console.printError("\(options.file): eval interrupted by \(signal) after \(tally.examples) of \(dataset.count) examples; nothing measured")
                return ExitStatus.interrupted
            }
            result = tally.result
        } catch {
            console.printError("\(error)")
            return ExitStatus.usage
        }
        switch format {
        case .json: console.print(Self.json(result).text(pretty: true))
        case .text: console.print(Self.text(result), terminator: "")
        }
        let bad = result.nonFiniteExamples
        guard bad == 0 else {
            let source = result.firstNonFinite.map { "; the first non-finite output is \($0)" } ?? ""
            console.printError("\(weights): error: the outputs of \(bad) of \(result.examples) examples are not finite (NaN or infinite); "
                + "they count as wrong and the loss is undefined\(source)")
            return ExitStatus.diverged
        }
        return ExitStatus.ok
    }

    static func json(_ r: EvaluationResult) -> JSONValue {
        var fields: [(String, JSONValue)] = [("examples", .int(r.examples)), ("loss", .double(r.loss))]
        fields += r.topK.sorted { $0.key < $1.key }.map { ("top\($0.key)", JSONValue.double($0.value)) }
        let perClass: [JSONValue] = r.perClass.map { $0.map { JSONValue.double($0) } ?? JSONValue.null }
        let confusion: [JSONValue] = r.confusion.map { row in JSONValue.array(row.map { JSONValue.int($0) }) }
        let firstNonFinite: JSONValue = r.firstNonFinite.map { JSONValue.string($0) } ?? JSONValue.null
        fields += [
            ("per_class", .array(perClass)),
            ("confusion", .array(confusion)),
            ("non_finite", .array(r.nonFinite.map { JSONValue.int($0) })),
            ("first_non_finite", firstNonFinite),
        ]
        return .object(fields)
    }

    static func text(_ r: EvaluationResult) -> String {
        var out = String(format: "examples: %d\nloss:     %.4f\n", r.examples, r.loss)
        for (k, v) in r.topK.sorted(by: { $0.key < $1.key }) { out += String(format: "top-%-3d   %.4f\n", k, v) }
        let bad = r.nonFiniteExamples > 0
        out += "\nper class (accuracy) and confusion (rows: true class, columns: predicted"
            + (bad ? "; last column: outputs not finite, counted wrong)\n" : ")\n")
        let width = max(4, String((r.confusion.flatMap { $0 } + r.nonFinite).max() ?? 0).count)
        for (c, row) in r.confusion.enumerated() {
            let acc = r.perClass[c].map { String(format: "%.3f", $0) } ?? "  -  "
            let cells = row + (bad ? [r.nonFinite[c]] : [])
            out += String(format: "%3d  %@  ", c, acc) + cells.map { String($0).leftPadded(width) }.joined(separator: " ") + "\n"
        }
        return out
    }
}

extension EvalConfig.Views: ExpressibleByArgument {}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
