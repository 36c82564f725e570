import NetrunConfig

/// Everything `netrun validate` checks of one config, in one pass: the load (YAML, every
/// section, blocks, `extends`) and the graph of the model as far as it could be read, so that
/// a file with errors in one part still has the graph's problems reported. The CLI's
/// commands and the language server both start here.
public struct Validation: Sendable {
    /// The config, when the load found no errors.
    public var config: Config?
    /// The graph, when the model built (even if other sections have errors).
    public var modelGraph: Graph?
    /// The model as far as it could be read (layers with errors marked), for tools that
    /// look at a config being edited.
    public var partialModel: ModelConfig?
    /// Every diagnostic of the load and of the graph, in the order found.
    public var diagnostics: Diagnostics

    /// The graph, when the whole config loaded: what the commands that compute start from.
    public var graph: Graph? { config == nil ? nil : modelGraph }

    /// Checks the file at `file` with `--set` overrides.
    public static func check(file: String, overrides: [String] = []) -> Validation {
        Validation(ConfigLoader.load(file: file, overrides: overrides))
    }

    /// Checks text held in memory (an editor's unsaved buffer); `file` names it in
    /// locations, and `extends` paths are relative to its directory.
    public static func check(text: String, file: String) -> Validation {
        Validation(ConfigLoader.load(text: text, file: file))
    }

    init(_ result: LoadResult) {
        var diagnostics = result.diagnostics
        var graph: Graph?
        // The graph is checked even when other parts of the file have errors, so that one
        // run reports everything; layers with errors are skipped, and what reads them too.
        if let model = result.partialModel {
            let built = GraphBuilder.build(model)
            diagnostics.append(contentsOf: built.diagnostics)
            graph = built.graph
        }
        config = result.config
        modelGraph = graph
        partialModel = result.partialModel
        self.diagnostics = diagnostics
    }
}
