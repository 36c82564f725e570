import ArgumentParser
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunGraph

/// `netrun check CONFIG`: a numeric gradient check of every node's op at reduced sizes.
struct Check: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every layer's backward against central finite differences, on small random problems.",
        discussion: """
        Each node's op runs with its own settings (kernel, stride, padding, groups, rounding, \
        LRN form, activation, ...) on a reduced input (at most a few channels, a small image), \
        batch 2, in training mode. Reported per node: the worst relative error over sampled \
        coordinates of every parameter and of the input. Exit 1 when any exceeds the tolerance.
        """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Coordinates sampled per tensor (1 to 10000).")
    var samples: Int = 12

    @Option(help: "Seed of the random problems.")
    var seed: UInt64 = 1

    @Flag(help: "Also print the worst error of every tensor (parameters and input) of every problem.")
    var verbose = false

    func validate() throws { try NetrunCLI.validate(samples, in: 1 ... 10_000, option: "samples") }

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        if let code = Netrun.prepareCompute(console) { return code }
        let graph = checked.graph
        let tolerance = GradientCheck.tolerance
        // Identical problems (same op, same reduced shapes) are checked once.
        var cache: [String: Double] = [:]
        var failures = 0, worstByOp: [String: Double] = [:], opOrder: [String] = []
        let width = max(12, graph.nodes.map(\.name.count).max() ?? 0)
        console.print("\(pad("node", width))  \(pad("op", 9))  \(pad("problem", 20))  worst rel. error")
        for node in graph.nodes {
            guard let mini = MiniProblem.make(for: node.id, in: graph) else { continue }
            let key = "\(mini.nodes.map { "\($0.op)|\($0.shape)|\($0.inputs)" })"
            let worst: Double
            if let w = cache[key] {
                worst = w
            } else {
                let results = GradientCheck(graph: mini, batch: 2, samples: samples, seed: seed)
                    .run(seedOutput: mini.losses.isEmpty)
                worst = results.map(\.worst).max() ?? 0
                if verbose {
                    for r in results { console.print("    \(pad(r.name, width))  \(String(format: "%.2e", r.worst)) over \(r.checked)\(r.kinks > 0 ? " (\(r.kinks) at kinks, left out)" : "")") }
                }
                cache[key] = worst
            }
            let op = node.op.keyword
            if worstByOp[op] == nil { opOrder.append(op) }
            worstByOp[op] = max(worstByOp[op] ?? 0, worst)
            let ok = worst <= tolerance
            if !ok { failures += 1 }
            console.print("\(pad(node.name, width))  \(pad(op, 9))  \(pad(MiniProblem.describe(mini), 20))  \(String(format: "%.2e", worst))\(ok ? "" : "  FAIL")")
        }
        console.print("")
        for op in opOrder {
            console.print("\(pad(op, 9))  worst \(String(format: "%.2e", worstByOp[op] ?? 0))")
        }
        if failures > 0 {
            console.printError("error: \(failures) node\(failures == 1 ? "" : "s") above the tolerance \(tolerance)")
            return ExitStatus.configErrors
        }
        console.print("ok: every gradient within \(tolerance) (relative)")
        return ExitStatus.ok
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
