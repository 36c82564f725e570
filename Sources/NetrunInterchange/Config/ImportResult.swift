import NetrunConfig
import NetrunGraph

/// What an import gives: the config's text when the import succeeded (no errors), and every
/// error and warning, positioned in the foreign file.
public struct ImportResult: Sendable {
    public var config: String?
    public var diagnostics: Diagnostics

    public init(config: String?, diagnostics: Diagnostics) {
        self.config = config
        self.diagnostics = diagnostics
    }
}

enum ImportCheck {
    /// Writes `imported`, then loads the text as `netrun validate` would (the config reader,
    /// then the graph with its shapes). Each problem of the written config is reported at
    /// the foreign file's layer that produced the line, so a written config always
    /// validates, and a network netrun cannot run is an error in the file the user gave.
    static func finish(_ imported: ImportedConfig, diagnostics: Diagnostics, what: String) -> ImportResult {
        var d = diagnostics
        guard !d.hasErrors else { return ImportResult(config: nil, diagnostics: d) }
        let (text, origins) = ConfigWriter.write(imported)
        let file = "<imported config>"
        let loaded = ConfigLoader.load(text: text, file: file)
        var found = loaded.diagnostics
        if let model = loaded.partialModel { found.append(contentsOf: GraphBuilder.build(model).diagnostics) }
        for problem in found.all {
            let origin = origin(of: problem.location, origins) ?? imported.origin
            var message = "netrun cannot run this as \(what): \(problem.message)"
            if problem.severity == .warning { message = "in the written config: \(problem.message)" }
            d.append(Diagnostic(problem.severity, message, at: origin))
        }
        guard !d.hasErrors, loaded.config != nil else {
            if !d.hasErrors { d.error("the written config does not load", at: imported.origin) }
            return ImportResult(config: nil, diagnostics: d)
        }
        return ImportResult(config: text, diagnostics: d)
    }

    /// The foreign position of a line of the written text (the nearest line above that has one).
    static func origin(of location: SourceLocation, _ origins: [Int: SourceLocation]) -> SourceLocation? {
        var line = location.line
        while line >= 1 {
            if let o = origins[line] { return o }
            line -= 1
        }
        return nil
    }
}
