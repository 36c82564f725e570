import Foundation
import ArgumentParser
import NetrunConfig
import NetrunGraph

/// `netrun summary FILE`: nodes, ops, output shapes, parameters and multiply-adds.
struct Summary: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the network: every node's op, output shape, parameters and multiply-adds, with totals.",
        discussion: "Parameters include training-only heads; multiply-adds are per image for the inference graph."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "text (a table) or json.")
    var format: OutputFormat = .text

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        let graph = checked.graph
        switch format {
        case .json: console.print(Self.json(graph).text(pretty: true))
        case .text: console.print(Self.table(graph, name: checked.config.name), terminator: "")
        }
        return ExitStatus.ok
    }

    static func json(_ g: Graph) -> JSONValue {
        .object([
            ("params", .int(g.parameterCount)),
            ("params_inference", .int(g.inference().parameterCount)),
            ("macs", .int(g.inferenceMACs)),
            ("classes", .int(g.classes)),
            ("output", .string(g[g.output].name)),
            ("nodes", .array(g.nodes.map { n in
                .object([
                    ("name", .string(n.name)),
                    ("op", .string(n.op.keyword)),
                    ("inputs", .array(n.inputs.map { .string(g[$0].name) })),
                    ("output_shape", .array(n.shape.dims.map { .int($0) })),
                    ("params", .int(n.parameterCount)),
                    ("macs", .int(n.macs)),
                    ("train_only", .bool(n.trainOnly)),
                    ("settings", n.op.settings),
                    ("frozen", .bool(n.frozen)),
                    ("parameters", .array(n.parameters.map { p in
                        .object([("name", .string(p.name)), ("shape", .array(p.shape.map { .int($0) })),
                                 ("lr_mult", .double(p.lrMult)), ("decay_mult", .double(p.decayMult))])
                    })),
                ])
            })),
        ])
    }

    /// A fixed-width table; training-only nodes marked with `*`.
    static func table(_ g: Graph, name: String) -> String {
        var table = TextTable(header: ["node", "op", "settings", "output", "params", "macs"], numeric: [4, 5])
        for n in g.nodes {
            table.append([n.name + (n.trainOnly ? " *" : "") + (n.frozen ? " (frozen)" : ""), n.op.keyword, n.op.detail, n.shape.description,
                          n.parameterCount == 0 ? "" : grouped(n.parameterCount), n.macs == 0 ? "" : grouped(n.macs)])
        }
        var out = "\(name): input \(g.inputShape), \(g.classes) classes\n\n" + table.text
        let inference = g.inference()
        out += "parameters:       \(grouped(g.parameterCount))"
        if inference.parameterCount != g.parameterCount { out += " (\(grouped(inference.parameterCount)) without the training-only heads marked *)" }
        let frozen = g.nodes.filter(\.frozen).reduce(0) { $0 + $1.parameterCount }
        if frozen > 0 { out += "\nfrozen:           \(grouped(frozen)) (trained: \(grouped(g.parameterCount - frozen)))" }
        out += "\nmultiply-adds:    \(grouped(g.inferenceMACs)) per image (inference)\n"
        let floats = g.nodes.reduce(0) { $0 + $1.shape.count }
        out += "activations:      \(grouped(floats)) floats per image (\(String(format: "%.1f", Double(floats) * 4 / 1_048_576)) MiB)\n"
        return out
    }

    static func grouped(_ n: Int) -> String { n.groupedDigits }
}
