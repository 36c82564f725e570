import Foundation
import Testing
@testable import NetrunCLI

/// The repository's Configs/ folder.
let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Configs").path

/// Writes `text` to a new temporary file and returns its path.
func temporaryFile(_ text: String, name: String = "net.yaml") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netrun-cli-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite struct ValidateTests {
    @Test func everyShippedConfigValidatesCleanly() throws {
        let files = ["alexnet", "googlenet", "fashion-alexnet", "fashion-googlenet"].map { "\(configs)/\($0).yaml" }
        let (code, console) = Netrun.run(["validate"] + files)
        #expect(code == 0, "\(console.err)")
        #expect(console.err.isEmpty)
        #expect(console.out.contains("googlenet.yaml: ok (98 nodes, 13378280 parameters)"))
    }

    @Test func anErrorIsPrintedLikeACompilerWithTheLineAndACaret() throws {
        let path = try temporaryFile("""
        model:
          input: [3, 32, 32]
          classes: 10
          layers:
            - conv: {name: c1, out: 8, kernel: 3, strid: 2}
            - dense: {out: 10}
            - loss
        """)
        let (code, console) = Netrun.run(["validate", path])
        #expect(code == 1)
        let expected = """
        \(path):5:43: error: unknown key 'strid' in conv layer 'c1'; did you mean 'stride'?
         5 |     - conv: {name: c1, out: 8, kernel: 3, strid: 2}
           |                                           ^

        """
        #expect(console.err.hasPrefix(expected))
        #expect(console.err.hasSuffix("1 error, 0 warnings in 1 file\n"))
    }

    @Test func aBlockInstanceErrorShowsTheTemplateLineAndTheUse() throws {
        let path = try temporaryFile("""
        model:
          input: [3, 32, 32]
          classes: 10
          blocks:
            pair:
              params: [n]
              layers:
                - conv: {name: a, out: $n, kernel: 3, groups: 2}
          layers:
            - pair: {name: p1, n: 8}
            - dense: {out: 10}
            - loss
        """)
        let (code, console) = Netrun.run(["validate", path])
        #expect(code == 1)
        #expect(console.err.contains("\(path):8:55: error: groups 2 does not divide the 3 input channels of 'p1/a' (from 'input')"))
        #expect(console.err.contains("\(path):10:7: note: in 'p1', an instance of block 'pair'\n 10 |     - pair: {name: p1, n: 8}\n    |       ^\n"))
    }

    @Test func jsonOutputListsEveryDiagnosticWithItsPosition() throws {
        let path = try temporaryFile("model:\n  input: [3, 8, 8]\n  classes: 10\n  layers:\n    - conv: {out: 4, kernle: 3}\n    - loss\n")
        let (code, console) = Netrun.run(["validate", "--format", "json", path])
        #expect(code == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(console.out.utf8)) as? [String: Any])
        #expect(json["errors"] as? Int == 1)
        let files = try #require(json["files"] as? [[String: Any]])
        let diagnostics = try #require(files.first?["diagnostics"] as? [[String: Any]])
        let first = try #require(diagnostics.first { ($0["message"] as? String)?.contains("kernle") == true })
        #expect(first["line"] as? Int == 5)
        #expect(first["column"] as? Int == 22)
        #expect(first["message"] as? String == "unknown key 'kernle' in conv layer 'conv_1'; did you mean 'kernel'?")
        #expect(files.first?["ok"] as? Bool == false)
    }

    @Test func aMissingFileExitsWithTwoAndTheOthersAreStillChecked() throws {
        let (code, console) = Netrun.run(["validate", "/nonexistent/net.yaml", "\(configs)/alexnet.yaml"])
        #expect(code == 2)
        #expect(console.err.contains("/nonexistent/net.yaml: error: cannot read the config: No such file or directory\n"))
        #expect(console.out.contains("alexnet.yaml: ok"))
    }

    @Test func aBadOverrideIsNamedInTheError() throws {
        let (code, console) = Netrun.run(["validate", "--set", "train.batch=lots", "\(configs)/fashion-alexnet.yaml"])
        #expect(code == 1)
        #expect(console.err.contains("--set train.batch=lots (column 13): error: expected a batch size, found 'lots'"))
        #expect(console.err.contains("| --set train.batch=lots\n    |                   ^"))
    }

    @Test func usageErrorsExitWithTwoAndHelpWithZero() throws {
        let (code, console) = Netrun.run(["validate", "--format", "xml", "x.yaml"])
        #expect(code == 2)
        #expect(console.err.contains("xml"))
        #expect(Netrun.run(["frobnicate"]).code == 2)
        let help = Netrun.run(["--help"])
        #expect(help.code == 0)
        #expect(help.console.out.contains("validate"))
        #expect(help.console.out.contains("summary"))
    }
}

@Suite struct OnePassTests {
    @Test func configErrorsAndGraphErrorsAreReportedTogether() throws {
        let path = try temporaryFile("""
        model:
          input: [3, 16, 16]
          classes: 10
          layers:
            - conv: {name: a, out: 8, kernel: 3, groups: 2}
            - conv: {name: b, out: 8, kernle: 3}
            - conv: {name: c, from: b, out: 8, kernel: 3}
            - dense: {name: fc, from: zz, out: 10}
            - loss
        train: {epochs: 1, batch: 0, optimizer: {type: sgd, lr: 0.1}, data: {format: synthetic}}
        """)
        let (code, console) = Netrun.run(["validate", path])
        #expect(code == 1)
        // A settings error (line 6), a graph error (groups, line 5), a dangling reference
        // (line 8) and a training error (line 10), in one run; nothing reported for 'c',
        // which only reads the broken 'b'.
        #expect(console.err.contains("\(path):5:50: error: groups 2 does not divide the 3 input channels of 'a'"))
        #expect(console.err.contains("\(path):6:31: error: unknown key 'kernle' in conv layer 'b'; did you mean 'kernel'?"))
        #expect(console.err.contains("\(path):8:31: error: no node named 'zz'"))
        #expect(console.err.contains("\(path):10:27: error: expected a batch size of at least 1, found 0"))
        // The typo is not reported a second time as a missing 'kernel'; no "unused"
        // warnings while the graph has errors.
        #expect(!console.err.contains("needs 'kernel'"))
        #expect(!console.err.contains(": warning:"))
        #expect(console.err.hasSuffix("4 errors, 0 warnings in 1 file\n"))
    }
}
