import Foundation
import NetrunConfig
import NetrunGraph
import Testing
@testable import NetrunLSP

/// Opens a shipped config in a new client.
func openConfig(_ name: String) throws -> (Client, String, String) {
    let path = "\(configs)/\(name).yaml"
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let c = Client()
    let uri = URL(fileURLWithPath: path).absoluteString
    c.open(uri, text)
    return (c, uri, text)
}

func hoverText(_ result: Any?) -> String? {
    ((result as? [String: Any])?["contents"] as? [String: Any])?["value"] as? String
}

@Suite struct HoverTests {
    @Test func aLayerShowsSummarysNumbers() throws {
        let (c, uri, text) = try openConfig("alexnet")
        let graph = try #require(Validation.check(file: "\(configs)/alexnet.yaml").graph)
        let conv1 = try #require(graph.node(named: "conv1"))
        let p = try #require(position(of: "conv:", in: text, after: "layers:"))
        let onOp = try #require(hoverText(c.at("textDocument/hover", uri, p.line, p.character + 1)))
        #expect(onOp.contains("output: \(conv1.shape)"))
        #expect(onOp.contains("parameters: \(conv1.parameterCount.groupedDigits)"))
        #expect(onOp.contains("multiply-adds: \(conv1.macs.groupedDigits)"))
        #expect(onOp.contains("34,944"))
        let n = try #require(position(of: "conv1", in: text, after: "layers:"))
        #expect(hoverText(c.at("textDocument/hover", uri, n.line, n.character + 2)) == onOp)
    }

    @Test func aSettingShowsTheOpTable() throws {
        let (c, uri, text) = try openConfig("alexnet")
        let p = try #require(position(of: "stride", in: text, after: "layers:"))
        let h = try #require(hoverText(c.at("textDocument/hover", uri, p.line, p.character)))
        let spec = try #require(OpKind.conv.settings.first { $0.key == "stride" })
        #expect(h.contains(spec.doc) && h.contains(spec.typeDescription) && h.contains("default: 1"))
    }

    @Test func aBlockUseShowsItsTotals() throws {
        let (c, uri, text) = try openConfig("googlenet")
        let graph = try #require(Validation.check(file: "\(configs)/googlenet.yaml").graph)
        let nodes = graph.nodes.filter { $0.name.hasPrefix("inception_3a/") }
        let p = try #require(position(of: "inception: {name: inception_3a", in: text))
        let h = try #require(hoverText(c.at("textDocument/hover", uri, p.line, p.character + 1)))
        #expect(h.contains("parameters: \(nodes.reduce(0) { $0 + $1.parameterCount }.groupedDigits)"), "\(h)")
        #expect(h.contains("output: 256x28x28"), "\(h)")
    }

    @Test func aParameterShowsItsValueInEachInstance() throws {
        let (c, uri, text) = try openConfig("googlenet")
        let p = try #require(position(of: "$c3r", in: text))
        let h = try #require(hoverText(c.at("textDocument/hover", uri, p.line, p.character + 2)))
        #expect(h.contains("- inception_3a: 96") && h.contains("- inception_5b: 192"), "\(h)")
        #expect(h.components(separatedBy: "\n- ").count == 10)   // the header and nine uses
    }

    @Test func extendsShowsTheParentsPath() throws {
        let dir = try temporaryDirectory()
        let text = "extends: ../base.yaml\n"
        let c = Client()
        let uri = URL(fileURLWithPath: dir + "/child.yaml").absoluteString
        c.open(uri, text)
        #expect(hoverText(c.at("textDocument/hover", uri, 0, 12))?.contains("\(dir)/../base.yaml") == true)
        let def = c.at("textDocument/definition", uri, 0, 12) as? [String: Any]
        #expect(def?["uri"] as? String == URL(fileURLWithPath: dir + "/../base.yaml").absoluteString)
    }

    @Test func positionsOutsideTheDocumentAnswerNull() throws {
        let (c, uri, text) = try openConfig("alexnet")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        for (l, ch) in [(lines + 3, 0), (-1, 0), (0, 500), (0, -2)] {
            for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition"] {
                let r = c.request(method, ["textDocument": ["uri": uri], "position": ["line": l, "character": ch]])
                #expect(r["result"] is NSNull, "\(method) \(l):\(ch) -> \(r)")
            }
        }
        #expect(c.at("textDocument/hover", "file:///not/open.yaml", 0, 0) is NSNull)
    }
}

@Suite struct CompletionTests {
    static let text = """
    model:
      input: [3, 32, 32]
      classes: 10
      layers:
        - conv: {name: c1, out: 8, kernel: 3, }
        - conv:
            name: c2
            out: 8
            
        - relu: {from: }
        - 
        - maxpool: {kernel: 2, round: }
        - loss

    """

    func complete(_ line: Int, _ character: Int) -> [String] {
        let c = Client()
        c.open("file:///tmp/netrun-lsp-complete.yaml", Self.text)
        return labels(c.at("textDocument/completion", "file:///tmp/netrun-lsp-complete.yaml", line, character))
    }

    @Test func flowStyleOffersTheOpsSettingsNotGiven() {
        let got = complete(4, 42)
        #expect(got.contains("stride") && got.contains("groups") && got.contains("act") && got.contains("from"))
        #expect(!got.contains("out") && !got.contains("kernel") && !got.contains("name"))
    }

    @Test func blockStyleOffersTheOpsSettingsNotGiven() {
        let got = complete(8, 8)
        #expect(got.contains("kernel") && got.contains("stride"))
        #expect(!got.contains("out") && !got.contains("name") && !got.contains("conv"))
    }

    @Test func aNewItemOffersOpsAsKeywords() {
        let got = complete(10, 6)
        #expect(got.count == OpKind.allCases.count)
        #expect(got.contains("relu") && got.contains("conv") && !got.contains { $0.contains(":") })
    }

    @Test func enumValuesAndEarlierNodes() {
        let round = position(of: "round: }", in: Self.text)!
        #expect(complete(round.line, round.character + 7) == ["floor", "ceil"])
        let names = complete(9, 19)
        #expect(names == ["input", "c1", "c2"], "\(names)")
    }

    @Test func trainSectionsInFlowAndBlockStyle() {
        let text = """
        model: {input: [1, 8, 8], classes: 2, layers: [flatten, {dense: {out: 2}}, loss]}
        train:
          batch: 8
          optimizer: {type: sgd, lr: 0.1, }
          schedule:
            policy: step
            
        """
        let c = Client()
        let uri = "file:///tmp/netrun-lsp-train.yaml"
        c.open(uri, text)
        let flow = position(of: "0.1, }", in: text)!
        let keys = labels(c.at("textDocument/completion", uri, flow.line, flow.character + 5))
        #expect(keys.contains("momentum") && keys.contains("nesterov") && !keys.contains("lr") && !keys.contains("type"), "\(keys)")
        let type = position(of: "type: sgd", in: text)!
        let types = labels(c.at("textDocument/completion", uri, type.line, type.character + 6))
        #expect(types.contains("sgd") && types.contains("adam"), "\(types)")
        let block = labels(c.at("textDocument/completion", uri, 6, 4))
        #expect(block.contains("factor") && block.contains("every") && !block.contains("policy"), "\(block)")
        let hover = hoverText(c.at("textDocument/hover", uri, 2, 3))
        #expect(hover?.contains("examples per step") == true)
    }

    @Test func blockParamsAndLocalNames() {
        let text = """
        model:
          input: [3, 32, 32]
          classes: 10
          blocks:
            pair:
              params: [n, m]
              layers:
                - conv: {name: a, out: $, kernel: 3}
                - conv: {name: b, out: 4, kernel: 3, from: }
          layers:
            - pair: {n: 4, m: 2, }
            - loss

        """
        let c = Client()
        let uri = "file:///tmp/netrun-lsp-blocks.yaml"
        c.open(uri, text)
        #expect(labels(c.at("textDocument/completion", uri, 7, 32)) == ["$n", "$m"])
        #expect(labels(c.at("textDocument/completion", uri, 7, 31)) == ["$n", "$m"])   // after `out: `, before the `$`
        #expect(labels(c.at("textDocument/completion", uri, 8, 51)) == ["input", "a"])
        let use = position(of: "m: 2, }", in: text)!
        #expect(labels(c.at("textDocument/completion", uri, use.line, use.character + 6)) == ["name", "from"])
    }
}

@Suite struct NavigationTests {
    @Test func fromGoesToTheLayer() throws {
        let (c, uri, text) = try openConfig("googlenet")
        // The first `from:` in the model's layers names an auxiliary head's input.
        let ref = try #require(position(of: "from: ", in: text, after: "\n  layers:"))
        let def = try #require(c.at("textDocument/definition", uri, ref.line, ref.character + 7) as? [String: Any])
        let line = text.split(separator: "\n", omittingEmptySubsequences: false)[ref.line]
        let name = line[line.range(of: "from: ")!.upperBound...].prefix { $0 != "," && $0 != "}" && $0 != " " }
        let target = try #require(position(of: "name: \(name)", in: text, after: "\n  layers:"))
        #expect(start(def)!.0 == target.line)
    }

    @Test func fromInATemplateGoesToTheTemplatesLayerAndHoverShowsIt() throws {
        let (c, uri, text) = try openConfig("googlenet")
        let ref = try #require(position(of: "3x3, 5x5, pool_proj]", in: text))
        let def = try #require(c.at("textDocument/definition", uri, ref.line, ref.character + 1) as? [String: Any])
        #expect(start(def)!.0 == position(of: "{name: 3x3,", in: text)!.line)
        let h = try #require(hoverText(c.at("textDocument/hover", uri, ref.line, ref.character + 1)))
        #expect(h.contains("in 9 instances") && h.contains("**inception_3a/3x3**: output 128x28x28"), "\(h)")
    }

    @Test func aBlockUseGoesToItsTemplate() throws {
        let (c, uri, text) = try openConfig("googlenet")
        let use = try #require(position(of: "- inception:", in: text))
        let def = try #require(c.at("textDocument/definition", uri, use.line, use.character + 4) as? [String: Any])
        #expect(start(def)!.0 == position(of: "  inception:", in: text)!.line)
    }

    @Test func symbolsListBlocksAndLayers() throws {
        let (c, uri, _) = try openConfig("googlenet")
        let symbols = try #require(c.request("textDocument/documentSymbol", ["textDocument": ["uri": uri]])["result"] as? [[String: Any]])
        #expect(symbols.first?["name"] as? String == "inception")
        // The Inception block's eight layers: four branches of one to two layers each, and the concat.
        #expect((symbols.first?["children"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            == ["1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5", "pool", "pool_proj", "concat"])
        #expect(symbols.contains { $0["name"] as? String == "inception_5b" })
        #expect(symbols.contains { $0["name"] as? String == "conv1" })
    }

    @Test func didYouMeanBecomesAQuickFix() throws {
        let c = Client()
        let uri = "file:///tmp/netrun-lsp-fix.yaml"
        c.open(uri, broken)
        let ds = try #require(c.diagnostics().first?["diagnostics"] as? [[String: Any]])
        let actions = try #require(c.request("textDocument/codeAction", ["textDocument": ["uri": uri], "range": range(5, 0, 5, 0),
                                                                        "context": ["diagnostics": ds]])["result"] as? [[String: Any]])
        #expect(actions.compactMap { $0["title"] as? String } == ["replace 'strid' with 'stride'"])
        let edit = ((actions.first?["edit"] as? [String: Any])?["changes"] as? [String: Any])?[uri] as? [[String: Any]]
        #expect(edit?.first?["newText"] as? String == "stride")
        #expect(start(edit?.first ?? [:])! == position(of: "strid", in: broken)!)
    }
}
