import ArgumentParser
import NetrunConfig
import NetrunGraph

/// `netrun graph FILE`: Graphviz DOT of the DAG.
struct GraphCommand: NetrunCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the network as Graphviz DOT: block instances as clusters, shapes on the edges.",
        discussion: "Render with: netrun graph FILE | dot -Tsvg > net.svg"
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Draw the inference graph (training-only heads and dropout removed).")
    var inference = false

    func execute(_ console: inout Console) -> Int32 {
        let loaded = Loaded(file: options.file, overrides: options.overrides)
        var renderer = DiagnosticRenderer()
        loaded.report(&console, renderer: &renderer)
        guard let graph = loaded.graph, !loaded.diagnostics.hasErrors else { return max(loaded.exitCode, ExitStatus.configErrors) }
        console.print((inference ? graph.inference() : graph).dot(name: loaded.config?.name ?? "netrun"), terminator: "")
        return ExitStatus.ok
    }
}
