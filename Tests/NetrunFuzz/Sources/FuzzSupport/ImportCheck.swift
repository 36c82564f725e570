import NetrunConfig
import NetrunInterchange

/// Renders every diagnostic of an import with its source line, as `netrun import` prints
/// them, and holds the importer to its contract: a config is written exactly when there is
/// no error.
public func check(_ result: ImportResult, what: String) {
    var renderer = DiagnosticRenderer()
    for d in result.diagnostics.sorted {
        let text = renderer.render(d)
        if verbose { print(text, terminator: "") }
    }
    if verbose { print(result.config == nil ? "no config written" : "config written") }
    require((result.config == nil) == result.diagnostics.hasErrors,
            "the \(what) import gave \(result.config == nil ? "no config and no error" : "a config and an error")")
}

/// The text of `bytes` as `netrun import` reads a file: nil unless it is UTF-8.
public func text(_ bytes: [UInt8]) -> String? {
    String(validating: bytes, as: UTF8.self)
}
