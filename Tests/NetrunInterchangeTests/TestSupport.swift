import Foundation
import NetrunCLI
import NetrunConfig
import NetrunGraph

/// Writes `text` to `name` in `dir`; the path.
@discardableResult
func write(_ text: String, _ name: String, in dir: String) throws -> String {
    let path = "\(dir)/\(name)"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Loads a written config as `netrun validate` does: its graph, or the diagnostics.
func graph(ofConfig text: String) throws -> Graph {
    let loaded = ConfigLoader.load(text: text, file: "<test>")
    guard let model = loaded.partialModel, loaded.config != nil else {
        throw TestFailure(description: "the config does not load: \(loaded.diagnostics.all)")
    }
    let built = GraphBuilder.build(model)
    guard let g = built.graph, !built.diagnostics.hasErrors else { throw TestFailure(description: "no graph: \(built.diagnostics.all)") }
    return g
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
}
