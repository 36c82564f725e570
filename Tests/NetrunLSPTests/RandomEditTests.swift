import Foundation
import NetrunKernels
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
