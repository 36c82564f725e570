import Foundation
import Testing
@testable import NetrunConfig
@testable import NetrunGraph

/// Seeded mutations of the shipped configs through the whole front-end: reader, loader,
/// graph and renderer. Swift traps on overflow and bad indices, so finishing is the check
/// that no input crashes; each result must also be a config or carry an error.
@Suite struct FuzzTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static let pieces: [String] = [
        ":", " ", "\n", "- ", "{", "}", "[", "]", ",", "&a ", "*a", "<<: *a", "!!str ", "!!int ", "!x ", "$c1", "$classes", "\t",
        "\"", "'", "#", "0", "-1", "99999999999999999999", "1e308", "nan", "true", "no", "from: input", "from: [a, b]",
        "name: x", "name: input", "groups: 0", "groups: 7", "kernel: 99", "pad: 50", "stride: 0", "out: 0", "round: ceil",
        "global: true", "train_only: true", "extends: x.yaml", "~", "|\n  x", ">", "?", "%", "@", "é", "\u{0}", "\u{1B}",
    ]

    static func mutate(_ text: String, _ rng: inout SplitMix) -> String {
        var chars = Array(text)
        for _ in 0..<(1 + rng.below(4)) {
            let at = rng.below(chars.count + 1)
            switch rng.below(4) {
            case 0 where !chars.isEmpty:
                let n = min(1 + rng.below(12), chars.count - min(at, chars.count))
                chars.removeSubrange(min(at, chars.count)..<(min(at, chars.count) + n))
            case 1:
                chars.insert(contentsOf: Array(pieces[rng.below(pieces.count)]), at: at)
            case 2 where !chars.isEmpty:
                // Duplicate a line somewhere else.
                let lines = String(chars).split(separator: "\n", omittingEmptySubsequences: false)
                let line = lines[rng.below(lines.count)]
                chars.insert(contentsOf: Array("\n" + line), at: at)
            default:
                if at < chars.count { chars[at] = Array(pieces[rng.below(pieces.count)]).first ?? " " }
            }
        }
        return String(chars)
    }

    @Test(arguments: ["alexnet.yaml", "googlenet.yaml", "fashion-alexnet.yaml", "fashion-googlenet.yaml"])
    func mutatedConfigsNeverCrashTheFrontEnd(_ file: String) throws {
        let original = try String(contentsOfFile: configsDirectory + "/" + file, encoding: .utf8)
        let iterations = Int(ProcessInfo.processInfo.environment["NETRUN_FUZZ_ITERATIONS"] ?? "") ?? 300
        var rng = SplitMix(state: UInt64(file.utf8.reduce(7) { $0 &* 31 &+ UInt64($1) }))
        var renderer = DiagnosticRenderer()
        var failures = 0
        for _ in 0..<iterations {
            let text = Self.mutate(original, &rng)
            let loaded = ConfigLoader.load(text: text, file: configsDirectory + "/" + file)
            var diagnostics = loaded.diagnostics
            if let model = loaded.partialModel {
                let built = GraphBuilder.build(model)
                diagnostics.append(contentsOf: built.diagnostics)
                if let g = built.graph {
                    _ = g.dot(name: "fuzz")
                    _ = g.inference().parameterCount
                }
            }
            if let config = loaded.config { _ = config.resolved.resolvedText() }
            for d in diagnostics.sorted { _ = renderer.render(d) }
            if loaded.config == nil, !diagnostics.hasErrors { failures += 1 }
        }
        #expect(failures == 0, "\(failures) inputs gave neither a config nor an error")
    }
}
