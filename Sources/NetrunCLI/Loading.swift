import ArgumentParser
import Foundation
import NetrunConfig
import NetrunFormats
import NetrunGraph

/// Options shared by the commands that read one config.
struct ConfigOptions: ParsableArguments {
    @Argument(help: "The config file.")
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value, checked like the file's own: key.path=value (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    func validate() throws { try validateOverrides(overrides) }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// A config loaded and its graph built, with every diagnostic of both stages.
struct Loaded {
    var config: Config?
    var graph: Graph?
    var diagnostics: Diagnostics
    /// Why the file cannot be used at all (exit 2), as opposed to holding errors (exit 1).
    var fileError: FileError?

    init(file: String, overrides: [String]) {
        do throws(FileError) {
            try InputFile.check(file, what: "config", limit: .bytes(YAMLLimits().maxBytes))
        } catch {
            self.init(config: nil, graph: nil, diagnostics: Diagnostics(), fileError: error)
            return
        }
        let v = Validation.check(file: file, overrides: overrides)
        self.init(config: v.config, graph: v.graph, diagnostics: v.diagnostics, fileError: nil)
    }

    private init(config: Config?, graph: Graph?, diagnostics: Diagnostics, fileError: FileError?) {
        self.config = config
        self.graph = graph
        self.diagnostics = diagnostics
        self.fileError = fileError
    }

    var exitCode: Int32 {
        fileError != nil ? ExitStatus.usage : diagnostics.hasErrors ? ExitStatus.configErrors : ExitStatus.ok
    }

    var isClean: Bool { fileError == nil && !diagnostics.hasErrors }

    /// Every diagnostic, compiler style, to the console's error stream (or why the file cannot be read).
    func report(_ console: Console, renderer: inout DiagnosticRenderer) {
        if let fileError { console.printError(fileError.description) }
        for d in diagnostics.sorted { console.printError(renderer.render(d), terminator: "") }
    }

    /// The diagnostics as JSON, a file problem as an error at 1:1.
    var jsonDiagnostics: [Diagnostic] {
        guard let fileError else { return diagnostics.sorted }
        return [.error(fileError.message, at: SourceLocation(file: fileError.path, line: 1, column: 1))]
    }
}

/// A config that loaded without errors, and its graph: what every single-config command
/// starts from.
struct Checked {
    var config: Config
    var graph: Graph

    /// Loads the config of `options` and prints its diagnostics; nil, with `exitCode` set
    /// (1 for config errors, 2 for a file that cannot be used), when it has errors.
    init?(_ options: ConfigOptions, console: Console, exitCode: inout Int32) {
        let loaded = Loaded(file: options.file, overrides: options.overrides)
        var renderer = DiagnosticRenderer()
        loaded.report(console, renderer: &renderer)
        guard let config = loaded.config, let graph = loaded.graph, loaded.isClean else {
            exitCode = max(loaded.exitCode, ExitStatus.configErrors)
            return nil
        }
        self.config = config
        self.graph = graph
    }
}
