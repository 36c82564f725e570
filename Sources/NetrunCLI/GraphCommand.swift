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

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        let graph = checked.graph
        console.print((inference ? graph.inference() : graph).dot(name: checked.config.name), terminator: "")
        return ExitStatus.ok
    }
}
