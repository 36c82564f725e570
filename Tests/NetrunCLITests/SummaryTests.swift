import Foundation
import Testing
@testable import NetrunCLI

@Suite struct SummaryTests {
    @Test func jsonGivesTotalsAndOneEntryPerNode() throws {
        let (code, console) = Netrun.run(["summary", "--format", "json", "\(configs)/googlenet.yaml"])
        #expect(code == 0, "\(console.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(console.out.utf8)) as? [String: Any])
        #expect(json["params"] as? Int == 13_378_280)
        #expect(json["macs"] as? Int == 1_582_671_872)
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        let concat = try #require(nodes.first { $0["name"] as? String == "inception_3a" })
        #expect(concat["op"] as? String == "concat")
        #expect(concat["inputs"] as? [String] == ["inception_3a/1x1", "inception_3a/3x3", "inception_3a/5x5", "inception_3a/pool_proj"])
        #expect(concat["output_shape"] as? [Int] == [256, 28, 28])
        let conv1 = try #require(nodes.first { $0["name"] as? String == "conv1" })
        #expect(conv1["params"] as? Int == 9472)
        #expect(conv1["macs"] as? Int == 118_013_952)
    }

    @Test func theTableShowsShapesAndTotals() throws {
        let (code, console) = Netrun.run(["summary", "\(configs)/alexnet.yaml"])
        #expect(code == 0)
        #expect(console.out.contains("conv2      conv     5/1 pad 2 g2 +relu  256x27x27     307,456  223,948,800\n"))
        #expect(console.out.contains("parameters:       60,965,224\n"))
        #expect(console.out.contains("multiply-adds:    724,406,816 per image (inference)"))
    }

    @Test func anOverrideChangesTheCounts() throws {
        let (code, console) = Netrun.run(["summary", "--format", "json", "--set", "model.classes=10", "\(configs)/alexnet.yaml"])
        #expect(code == 0, "\(console.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(console.out.utf8)) as? [String: Any])
        #expect(json["params"] as? Int == 60_965_224 - 990 * 4097)
    }
}

@Suite struct GraphAndConfigCommandTests {
    @Test func graphPrintsDOT() throws {
        let (code, console) = Netrun.run(["graph", "\(configs)/fashion-googlenet.yaml"])
        #expect(code == 0)
        #expect(console.out.hasPrefix("digraph \"fashion-googlenet\" {"))
        #expect(console.out.contains("style=\"rounded,dashed\""))
        let inference = Netrun.run(["graph", "--inference", "\(configs)/fashion-googlenet.yaml"])
        #expect(!inference.console.out.contains("loss1/fc"))
    }

    @Test func configPrintsTheResolvedValuesWithTheirOrigins() throws {
        let (code, console) = Netrun.run(["config", "--set", "train.batch=64", "\(configs)/googlenet.yaml"])
        #expect(code == 0, "\(console.err)")
        let lines = console.out.split(separator: "\n").map(String.init)
        let batch = try #require(lines.first { $0.hasPrefix("  batch:") })
        #expect(batch.hasPrefix("  batch: 64 "))
        #expect(batch.hasSuffix("# --set train.batch=64"))
        // Blocks are expanded: instance layers appear with full names, no `blocks:` left.
        #expect(!console.out.contains("blocks:"))
        let name = try #require(lines.first { $0.contains("name: inception_4e/pool_proj") })
        #expect(name.hasSuffix("googlenet.yaml:26:27"))  // the template line
        // `out: $proj` of inception_4e takes the position of its argument.
        let out = try #require(lines.first { $0.contains("out: 128") && $0.contains("googlenet.yaml:59:") })
        #expect(!out.isEmpty)
    }

    @Test func configOnABrokenFileExitsWithOne() throws {
        let path = try temporaryFile("model: {input: [1, 2]}\n")
        let (code, console) = Netrun.run(["config", path])
        #expect(code == 1)
        #expect(console.err.contains("expected the input as [channels, height, width], found a list"))
    }
}
