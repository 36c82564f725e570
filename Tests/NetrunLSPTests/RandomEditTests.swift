import Foundation
import NetrunFormats
import Testing
@testable import NetrunLSP

@Suite struct RandomEditTests {
    /// Random insertions and deletions of bytes taken from the Configs/ files, as incremental
    /// changes (some mid-character, some across lines), each followed by diagnostics and a
    /// hover, a completion and a definition at random positions: no crash, no hang.
    @Test(.timeLimit(.minutes(3))) func arbitraryEditsNeverCrashOrHang() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: configs).filter { $0.hasSuffix(".yaml") }.sorted()
        let sources = try files.map { try String(contentsOfFile: "\(configs)/\($0)", encoding: .utf8) }
        let pool = Array(sources.joined().unicodeScalars)
        var rng = SplitMix64(seed: 26)
        var published = 0
        for (f, text) in sources.enumerated() {
            let c = Client()
            let uri = "file://\(configs)/fuzz-\(f).yaml"
            c.open(uri, text)
            var lines = max(1, text.split(separator: "\n", omittingEmptySubsequences: false).count)
            for version in 2...60 {
                let l0 = Int.random(in: 0..<lines + 2, using: &rng), c0 = Int.random(in: 0..<90, using: &rng)
                let l1 = l0 + Int.random(in: 0...2, using: &rng), c1 = Int.random(in: 0..<90, using: &rng)
                let at = Int.random(in: 0..<pool.count, using: &rng)
                var insert = String(String.UnicodeScalarView(pool[at..<min(pool.count, at + Int.random(in: 0...40, using: &rng))]))
                if Int.random(in: 0..<10, using: &rng) == 0 { insert += "\u{1F600}\r\u{0}\t{[" }
                c.change(uri, version: version, [["range": range(l0, c0, l1, c1), "text": insert]])
                lines += insert.filter { $0 == "\n" }.count
                let ds = c.diagnostics()
                published += ds.count
                for v in ds { #expect(v["version"] as? Int == version) }
                let (pl, pc) = (Int.random(in: 0..<lines + 1, using: &rng), Int.random(in: 0..<80, using: &rng))
                for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition"] {
                    _ = c.at(method, uri, pl, pc)
                }
                _ = c.request("textDocument/documentSymbol", ["textDocument": ["uri": uri]])
            }
        }
        #expect(published > 100)
    }
}

@Suite struct HostileInputTests {
    /// Texts at and past the reader's limits: too large, nested too deep, an alias bomb, NUL
    /// bytes, invalid positions in edits; each gets diagnostics (or none), quickly.
    @Test(.timeLimit(.minutes(1))) func limitsAndGarbageGetDiagnosticsNotCrashes() throws {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + (1...9).map { "\(Character(UnicodeScalar(97 + $0)!)): &\(Character(UnicodeScalar(97 + $0)!)) [" + Array(repeating: "*\(Character(UnicodeScalar(96 + $0)!))", count: 10).joined(separator: ", ") + "]" }.joined(separator: "\n")
        let texts = [
            "model:\n" + String(repeating: "# padding\n", count: 120_000),
            "model: " + String(repeating: "[", count: 5000),
            "model: 1\n" + bomb + "\n",
            "model:\n  layers: [\u{0}\u{0}]\n",
            "model:\n\tlayers: []\n",
            "extends: \(configs)/googlenet.yaml\nextends: x\n",
            "model: {input: [1, 1, 1], classes: 1, layers: [{conv: {out: 1, kernel: 99999999999999999999}}]}\n",
        ]
        for (i, text) in texts.enumerated() {
            let c = Client()
            let uri = "file:///tmp/netrun-lsp-hostile-\(i).yaml"
            c.open(uri, text)
            let ds = c.diagnostics().first?["diagnostics"] as? [[String: Any]]
            #expect(ds?.isEmpty == false, "text \(i): \(ds ?? [])")
            c.change(uri, version: 2, [["range": range(Int.max / 2, -5, -7, Int.max / 2), "text": "x"]])
            #expect(c.diagnostics().count == 1)
            for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition"] {
                _ = c.at(method, uri, 0, 3)
            }
        }
    }
}
