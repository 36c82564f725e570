import ArgumentParser
import Foundation
import NetrunConfig
import NetrunFormats
import NetrunInterchange

/// `netrun import caffe|darknet ...`: another framework's network description as a netrun config.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate a Caffe prototxt or a Darknet cfg into a netrun config.",
        discussion: """
        The config is written to -o (atomically) or to standard output; warnings (what was dropped \
        or assumed) and errors (what cannot be translated) go to standard error with the input's \
        file:line:col. Exit 1, writing nothing, when anything cannot be translated.
        """,
        subcommands: [ImportCaffe.self, ImportDarknet.self]
    )
}

/// The largest network description read (a prototxt or cfg is text of a few hundred KB).
let importLimit = 16 << 20

/// Options every import takes.
struct ImportOutput: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: "Where to write the config (default: standard output).")
    var output: String?
}

/// Reads `path` as UTF-8 text after the usual file checks.
func readText(_ path: String, what: String) throws(FileError) -> String {
    try InputFile.check(path, what: what, limit: .bytes(importLimit))
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FileError(path: path, kind: .io, message: "cannot read the \(what)")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw FileError(path: path, kind: .format, message: "the \(what) is not UTF-8 text") }
    return text
}

/// Prints the diagnostics and writes the config when there is one; the exit code.
func finishImport(_ result: ImportResult, output: String?, inputs: [(path: String, what: String)], console: Console) -> Int32 {
    var renderer = DiagnosticRenderer()
    for d in result.diagnostics.sorted { console.printError(renderer.render(d), terminator: "") }
    guard let text = result.config else {
        let n = result.diagnostics.errors.count
        console.printError("\(n) error\(n == 1 ? "" : "s"): nothing written")
        return ExitStatus.configErrors
    }
    guard let output else {
        console.print(text, terminator: "")
        return ExitStatus.ok
    }
    guard OutputPath.write(text, to: output, what: "output", inputs: inputs, console: console) else { return ExitStatus.usage }
    console.printError("\(output): written")
    return ExitStatus.ok
}

/// `netrun import caffe NET.prototxt [--solver SOLVER.prototxt] [-o OUT.yaml]`.
struct ImportCaffe: NetrunCommand {
    static let configuration = CommandConfiguration(
        commandName: "caffe",
        abstract: "Translate a Caffe net prototxt (and its solver) into a netrun config.",
        discussion: """
        Layer names are kept. In-place ReLUs fold into `act:`, BatchNorm + Scale become one \
        batchnorm, Accuracy layers become the loss's top_k, data and Split layers are dropped, \
        and modules repeated with different numbers (GoogLeNet's Inception) become one block.
        """
    )

    @Argument(help: "The net (.prototxt, e.g. train_val.prototxt).")
    var net: String

    @Option(help: "The solver (.prototxt): the train and eval sections.")
    var solver: String?

    @OptionGroup var out: ImportOutput

    func execute(_ console: Console) -> Int32 {
        var inputs = [(path: net, what: "the net")]
        if let solver { inputs.append((solver, "--solver")) }
        do throws(FileError) {
            if let output = out.output { try OutputPath.check(output, what: "output", inputs: inputs) }
            let text = try readText(net, what: "net")
            let solverText = try solver.map { path throws(FileError) in (text: try readText(path, what: "solver"), file: path) }
            let result = CaffeImporter.importNet(text: text, file: net, solver: solverText)
            return finishImport(result, output: out.output, inputs: inputs, console: console)
        } catch {
            console.printError(error.description)
            return ExitStatus.usage
        }
    }
}

/// `netrun import darknet NET.cfg [-o OUT.yaml]`.
struct ImportDarknet: NetrunCommand {
    static let configuration = CommandConfiguration(
        commandName: "darknet",
        abstract: "Translate a Darknet .cfg into a netrun config.",
        discussion: """
        Every layer keeps darknet's output shape: nodes are named after darknet's layer numbers \
        (conv0, maxpool1, ...); batch_normalize becomes a batchnorm after a bias-free conv, leaky \
        a leaky_relu of slope 0.1, max pooling darknet's padding, route a concat, shortcut an add \
        (or, when the two shapes differ, netrun's shortcut op: darknet's sampling of the added input).
        """
    )

    @Argument(help: "The network (.cfg).")
    var cfg: String

    @OptionGroup var out: ImportOutput

    func execute(_ console: Console) -> Int32 {
        let inputs = [(path: cfg, what: "the cfg")]
        do throws(FileError) {
            if let output = out.output { try OutputPath.check(output, what: "output", inputs: inputs) }
            let text = try readText(cfg, what: "cfg")
            return finishImport(DarknetImporter.importCfg(text: text, file: cfg).result, output: out.output, inputs: inputs, console: console)
        } catch {
            console.printError(error.description)
            return ExitStatus.usage
        }
    }
}
