import ArgumentParser
import NetrunConfig
import NetrunGraph

/// `netrun validate FILE...`: every error and warning of every file, before any compute.
struct Validate: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check configs: every error and warning of every file, with file:line:col.",
        discussion: "Exit 0 when every file is clean (warnings allowed), 1 when any has errors, 2 when a file cannot be read."
    )

    @Argument(help: "Config files to check.")
    var files: [String]

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value in every file: key.path=value (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "text (compiler style, on stderr) or json (on stdout).")
    var format: OutputFormat = .text

    func validate() throws { try validateOverrides(overrides) }

    func execute(_ console: Console) -> Int32 {
        var renderer = DiagnosticRenderer()
        var worst = ExitStatus.ok
        var reports: [JSONValue] = []
        var errors = 0, warnings = 0
        for file in files {
            let loaded = Loaded(file: file, overrides: overrides)
            worst = max(worst, loaded.exitCode)
            errors += loaded.diagnostics.errors.count + (loaded.fileError == nil ? 0 : 1)
            warnings += loaded.diagnostics.warnings.count
            switch format {
            case .text:
                loaded.report(console, renderer: &renderer)
                if loaded.isClean, let g = loaded.graph {
                    let w = loaded.diagnostics.warnings.count
                    console.print("\(file): ok (\(g.nodes.count) nodes, \(g.parameterCount) parameters\(w > 0 ? ", \(w) warning\(w == 1 ? "" : "s")" : ""))")
                }
            case .json:
                reports.append(.object([
                    ("file", .string(file)),
                    ("ok", .bool(loaded.isClean)),
                    ("diagnostics", .array(loaded.jsonDiagnostics.map(Self.json))),
                ]))
            }
        }
        switch format {
        case .text:
            if errors > 0 || warnings > 0 {
                console.printError("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") in \(files.count) file\(files.count == 1 ? "" : "s")")
            }
        case .json:
            console.print(JSONValue.object([("files", .array(reports)), ("errors", .int(errors)), ("warnings", .int(warnings))]).text(pretty: true))
        }
        return worst
    }

    static func json(_ d: Diagnostic) -> JSONValue {
        .object([
            ("severity", .string(d.severity.rawValue)),
            ("file", .string(d.location.file)),
            ("line", .int(d.location.line)),
            ("column", .int(d.location.column)),
            ("message", .string(d.message)),
            ("notes", .array(d.notes.map { n in
                .object([("file", .string(n.location.file)), ("line", .int(n.location.line)), ("column", .int(n.location.column)), ("message", .string(n.message))])
            })),
        ])
    }
}
