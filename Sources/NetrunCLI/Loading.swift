import ArgumentParser
import Foundation
import NetrunConfig
import NetrunGraph

/// Options shared by the commands that read one config.
struct ConfigOptions: ParsableArguments {
    @Argument(help: "The config file.")
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value, checked like the file's own: key.path=value (repeatable).", valueName: "key=value"))
    var overrides: [String] = []
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// A config loaded and its graph built, with every diagnostic of both stages.
struct Loaded {
    var config: Config?
    var graph: Graph?
    var diagnostics: Diagnostics
    /// The file could not be read at all (exit 2), as opposed to holding errors (exit 1).
    var ioFailure: Bool

    init(file: String, overrides: [String]) {
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: file, isDirectory: &isDir) || isDir.boolValue || !FileManager.default.isReadableFile(atPath: file) {
            let reason = !FileManager.default.fileExists(atPath: file) ? "no such file" : isDir.boolValue ? "is a directory" : "cannot read file"
            var d = Diagnostics()
            d.error(reason, at: SourceLocation(file: file, line: 1, column: 1))
            self.init(config: nil, graph: nil, diagnostics: d, ioFailure: true)
            return
        }
        let result = ConfigLoader.load(file: file, overrides: overrides)
        var diagnostics = result.diagnostics
        var graph: Graph?
        // The graph is checked even when other parts of the file have errors, so that one
        // run reports everything; layers with errors are skipped, and what reads them too.
        if let model = result.partialModel {
            let built = GraphBuilder.build(model)
            diagnostics.append(contentsOf: built.diagnostics)
            if result.config != nil { graph = built.graph }
        }
        self.init(config: result.config, graph: graph, diagnostics: diagnostics, ioFailure: false)
    }

    private init(config: Config?, graph: Graph?, diagnostics: Diagnostics, ioFailure: Bool) {
        self.config = config
        self.graph = graph
        self.diagnostics = diagnostics
        self.ioFailure = ioFailure
    }

    var exitCode: Int32 {
        ioFailure ? ExitStatus.usage : diagnostics.hasErrors ? ExitStatus.configErrors : ExitStatus.ok
    }

    /// Every diagnostic, compiler style, to the console's error stream.
    func report(_ console: inout Console, renderer: inout DiagnosticRenderer) {
        for d in diagnostics.sorted { console.printError(renderer.render(d), terminator: "") }
    }
}

/// A config that loaded without errors, and its graph: what every single-config command
/// starts from.
struct Checked {
    var config: Config
    var graph: Graph

    /// Loads the config of `options` and prints its diagnostics; nil, with `exitCode` set
    /// (1 for config errors, 2 for an unreadable file), when it has errors.
    init?(_ options: ConfigOptions, console: inout Console, exitCode: inout Int32) {
        let loaded = Loaded(file: options.file, overrides: options.overrides)
        var renderer = DiagnosticRenderer()
        loaded.report(&console, renderer: &renderer)
        guard let config = loaded.config, let graph = loaded.graph, !loaded.diagnostics.hasErrors else {
            exitCode = max(loaded.exitCode, ExitStatus.configErrors)
            return nil
        }
        self.config = config
        self.graph = graph
    }
}
