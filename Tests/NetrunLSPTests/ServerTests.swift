import Foundation
import NetrunConfig
import NetrunGraph
import Testing
@testable import NetrunLSP

let broken = """
model:
  input: [3, 32, 32]
  classes: 10
  layers:
    # a comment with é and 😀 before the error
    - conv: {name: "c😀1", out: 8, kernel: 3, strid: 2}
    - dense: {out: 10, from: c2}
    - loss

"""

@Suite struct LifecycleTests {
    @Test func requestsBeforeInitializeAreRefused() {
        let c = Client(initialize: false)
        let r = c.request("textDocument/hover", ["textDocument": ["uri": "file:///x.yaml"], "position": ["line": 0, "character": 0]])
        #expect((r["error"] as? [String: Any])?["code"] as? Int == -32002)
    }

    @Test func exitAfterShutdownIsZeroWithoutItOne() {
        let c = Client()
        #expect(c.request("shutdown").keys.contains("result"))
        c.notify("exit", [:])
        #expect(c.server.exitCode == 0)
        let d = Client()
        d.notify("exit", [:])
        #expect(d.server.exitCode == 1)
    }

    @Test func garbageUnknownMethodsAndBadParamsGetErrorsNotCrashes() {
        let c = Client()
        c.raw("{not json")
        #expect((c.take().first?["error"] as? [String: Any])?["code"] as? Int == -32700)
        #expect((c.request("netrun/nothing")["error"] as? [String: Any])?["code"] as? Int == -32601)
        #expect((c.request("textDocument/hover", ["position": "x"])["error"] as? [String: Any])?["code"] as? Int == -32602)
        c.raw(#"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"nowhere"},"contentChanges":[]}}"#)
        #expect(c.diagnostics().isEmpty)
    }

    /// The transport on pipes: exit code 1 when input ends without shutdown, 0 after it.
    @Test(arguments: [false, true]) func stdioExitCodes(shutdown: Bool) throws {
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        #expect(pipe(&input) == 0 && pipe(&output) == 0)
        var messages = [#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#]
        if shutdown { messages.append(#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#) }
        let bytes = messages.flatMap { MessageFramer.frame(Array($0.utf8)) }
        #expect(write(input[1], bytes, bytes.count) == bytes.count)
        close(input[1])
        let out = output[1]
        let code = StdioTransport.run(input: input[0], version: "test", write: { bytes in write(out, bytes, bytes.count) == bytes.count }) { _ in }
        close(output[1])
        var reply = [UInt8](repeating: 0, count: 1 << 16)
        let n = read(output[0], &reply, reply.count)
        close(input[0]); close(output[0])
        #expect(code == (shutdown ? 0 : 1))
        #expect(String(decoding: reply[0..<max(n, 0)], as: UTF8.self).contains(#""name":"netrun""#))
    }
}

@Suite struct DiagnosticsTests {
    @Test func theBufferGetsValidatesDiagnosticsAtUTF16Positions() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/net.yaml"
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        let expected = Validation.check(file: path).diagnostics.sorted
        #expect(expected.count == 2)
        let c = Client()
        let uri = URL(fileURLWithPath: path).absoluteString
        c.open(uri, broken)
        let published = try #require(c.diagnostics().first)
        #expect(published["version"] as? Int == 1)
        let ds = try #require(published["diagnostics"] as? [[String: Any]])
        #expect(ds.map { $0["message"] as? String } == expected.map(\.message))
        // 'strid' on line 6: the emoji before it is one scalar for validate, two UTF-16 units here.
        let strid = try #require(position(of: "strid", in: broken))
        #expect(expected[0].location.column == strid.character)   // columns 1-based, one less unit
        #expect(start(ds[0])! == (strid.line, strid.character))
        #expect(start(ds[1])! == position(of: "c2", in: broken)!)
        #expect(ds[0]["severity"] as? Int == 1)
    }

    @Test func otherYAMLIsLeftAlone() {
        let c = Client()
        c.open("file:///tmp/ci.yaml", "jobs:\n  build: [1, 2\n")
        #expect(c.diagnostics().isEmpty)
    }

    @Test func aFileOfAnotherLanguageIsNotTracked() {
        let c = Client()
        c.notify("textDocument/didOpen", ["textDocument": ["uri": "file:///tmp/notes.md", "languageId": "markdown", "version": 1, "text": broken]])
        #expect(c.diagnostics().isEmpty)
        #expect(c.at("textDocument/hover", "file:///tmp/notes.md", 5, 8) is NSNull)
    }

    @Test func onlyTheLatestVersionIsChecked() throws {
        let c = Client()
        let uri = "file:///tmp/netrun-lsp-stale.yaml"
        c.open(uri, broken)
        c.change(uri, version: 2, [["text": "model: 3\n"]])
        // An incremental edit: 3 -> {} on line 0.
        c.change(uri, version: 3, [["range": range(0, 7, 0, 8), "text": "{input: [1, 2, 2], classes: 2, layers: [relu]}"]])
        let published = c.diagnostics()
        #expect(published.count == 1)
        #expect(published.first?["version"] as? Int == 3)
        // Version 3's own diagnostics: only the warning that it has no loss, none of version 1's errors.
        let ds = published.first?["diagnostics"] as? [[String: Any]] ?? []
        #expect(ds.compactMap { $0["message"] as? String } == ["the network has no loss layer: it can be run but not trained"])
    }

    @Test func aBlockInstanceErrorHasTheUseAsRelatedInformation() throws {
        // The end-to-end tests' fixture (Tests/LSP/fixtures), also checked there against validate.
        let text = try String(contentsOfFile: "\(configs)/../Tests/LSP/fixtures/block-groups.yaml", encoding: .utf8)
        let c = Client()
        c.open("file:///tmp/netrun-lsp-block.yaml", text)
        let d = try #require((c.diagnostics().first?["diagnostics"] as? [[String: Any]])?.first)
        #expect(start(d)! == position(of: "2}", in: text, after: "groups: ")!)
        let related = try #require(d["relatedInformation"] as? [[String: Any]])
        #expect(related.first?["message"] as? String == "in 'p1', an instance of block 'pair'")
        #expect(start(related.first?["location"] as? [String: Any] ?? [:])! == position(of: "pair", in: text, after: "  layers:\n")!)
    }

    @Test func aParentsErrorsShowAtTheExtendsLine() throws {
        let dir = try temporaryDirectory()
        try broken.write(toFile: dir + "/base.yaml", atomically: true, encoding: .utf8)
        let child = "# child\nextends: base.yaml\ntrain: {batch: 0}\n"
        let c = Client()
        c.open(URL(fileURLWithPath: dir + "/child.yaml").absoluteString, child)
        let ds = try #require(c.diagnostics().first?["diagnostics"] as? [[String: Any]])
        let fromParent = ds.filter { ($0["message"] as? String)?.hasPrefix(dir + "/base.yaml:6:") == true }
        #expect(fromParent.count == 1)
        #expect(fromParent.first.flatMap(start)! == (1, 9))
        let related = (fromParent.first?["relatedInformation"] as? [[String: Any]])?.first?["location"] as? [String: Any]
        #expect((related?["uri"] as? String)?.hasSuffix("/base.yaml") == true)
    }

    @Test func closingClearsTheDiagnostics() {
        let c = Client()
        let uri = "file:///tmp/netrun-lsp-close.yaml"
        c.open(uri, broken)
        #expect((c.diagnostics().first?["diagnostics"] as? [Any])?.isEmpty == false)
        c.notify("textDocument/didClose", ["textDocument": ["uri": uri]])
        let cleared = c.take().first { ($0["method"] as? String) == "textDocument/publishDiagnostics" }
        #expect(((cleared?["params"] as? [String: Any])?["diagnostics"] as? [Any])?.isEmpty == true)
    }
}
