import Foundation
import NetrunConfig
import NetrunGraph
import Testing
import _NetrunTestSupport
@testable import NetrunInterchange

@Suite struct DarknetCfgTests {
    @Test func keysAndValuesKeepTheirColumnsWithWhiteSpaceRemoved() throws {
        let s = try DarknetCfg.parse("# comment\n[net]\n width = 32\n\n[Convolutional]\n;x\nfilters=8\r\n", file: "n.cfg").sections
        #expect(s.map(\.name.value) == ["net", "convolutional"])
        let w = try #require(s[0].option("width"))
        #expect(w.key.location.description == "n.cfg:3:2" && w.value.value == "32" && w.value.location.description == "n.cfg:3:10")
        #expect(s[1].option("filters")?.value.value == "8")
    }

    @Test(arguments: [
        ("width=3\n[net]\n", "n.cfg:1:1: error: key=value before the first [section]"),
        ("[net]\nwidth\n", "n.cfg:2:1: error: expected key=value or [section]"),
        ("[net]\nwidth=\n", "n.cfg:2:1: error: the key 'width' has no value"),
        ("[net\n", "n.cfg:1:1: error: expected a section name: [name]"),
    ])
    func syntaxErrorsArePositioned(text: String, expected: String) {
        do {
            _ = try DarknetCfg.parse(text, file: "n.cfg")
            Issue.record("parsed")
        } catch {
            #expect(error.description == expected)
        }
    }
}

/// Round three of the hostile-input campaign: Windows line endings, a key given twice, a
/// megabyte key.
@Suite struct DarknetCfgHostileTests {
    @Test func crlfLineEndingsReadAsLinesWithTheirOwnNumbers() throws {
        let s = try DarknetCfg.parse("[net]\r\nheight=8\r\nwidth=9\r\n\r\n[maxpool]\r\nsize=2\r\n", file: "n.cfg").sections
        #expect(s.map(\.name.value) == ["net", "maxpool"])
        #expect(s[0].option("width")?.value.value == "9")
        #expect(s[0].option("width")?.key.location.description == "n.cfg:3:1")
        #expect(s[1].option("size")?.key.location.description == "n.cfg:6:1")
    }

    @Test func aKeyGivenTwiceKeepsTheFirstValueAsDarknetDoesAndWarnsAtTheSecond() throws {
        let (s, warnings) = try DarknetCfg.parse("[net]\nheight=8\nheight=9\nwidth=8\nchannels=1\n", file: "n.cfg")
        #expect(s[0].option("height")?.value.value == "8")
        #expect(warnings.sorted.map(\.description) == ["n.cfg:3:1: warning: 'height' is given twice in [net]; darknet uses the first, 8 (line 2), and ignores this one"])
        let (r, _) = DarknetImporter.importCfg(text: "[net]\nheight=8\nheight=9\nwidth=8\nchannels=1\n[connected]\noutput=2\n[softmax]\n", file: "n.cfg")
        let config = try #require(r.config, "\(r.diagnostics.sorted.map(\.description))")
        #expect(config.contains("input: [1, 8, 8]"), "\(config)")
        #expect(r.diagnostics.sorted.map(\.description).contains { $0.hasPrefix("n.cfg:3:1: warning: 'height' is given twice") })
    }

    @Test func aMegabyteUnknownKeyIsQuotedClipped() throws {
        let key = String(repeating: "k", count: 1 << 20)
        let (r, _) = DarknetImporter.importCfg(text: "[net]\nheight=8\nwidth=8\nchannels=1\n[connected]\noutput=2\n\(key)=1\n", file: "n.cfg")
        let messages = r.diagnostics.sorted.map(\.description)
        #expect(messages == ["n.cfg:7:1: error: the importer cannot translate '\(String(repeating: "k", count: 64))… (1048576 characters)' in [connected]"], "\(messages.map { $0.prefix(200) })")
    }
}

@Suite struct DarknetImporterTests {
    let net = "[net]\nheight=32\nwidth=32\nchannels=3\nlearning_rate=0.1\n"

    @Test func aSmallCfgKeepsDarknetsShapes() throws {
        let cfg = net + """
        [convolutional]
        batch_normalize=1
        filters=8
        size=3
        stride=1
        pad=1
        activation=leaky

        [maxpool]
        size=3
        stride=2

        [convolutional]
        filters=8
        size=1
        activation=relu

        [convolutional]
        filters=8
        size=3
        pad=1
        activation=linear

        [shortcut]
        from=-2
        activation=leaky

        [route]
        layers=-1,-4

        [convolutional]
        filters=10
        size=1
        activation=linear

        [avgpool]

        [softmax]

        [cost]
        """
        let (r, nodes) = DarknetImporter.importCfg(text: cfg, file: "n.cfg")
        let config = try #require(r.config, "\(described(r.diagnostics))")
        #expect(layerLines(config) == [
            "- conv:       {name: conv0, out: 8, kernel: 3, pad: 1, bias: false}",
            "- batchnorm:  {name: conv0_bn}",
            "- leaky_relu: {name: conv0_leaky, slope: 0.1}",
            "- maxpool:    {name: maxpool1, kernel: 3, stride: 2, pad: 1}",
            "- conv:       {name: conv2, out: 8, kernel: 1, act: relu}",
            "- conv:       {name: conv3, out: 8, kernel: 3, pad: 1}",
            "- add:        {name: shortcut4, from: [conv3, conv2]}",
            "- leaky_relu: {name: shortcut4_leaky, slope: 0.1}",
            "- concat:     {name: route5, from: [shortcut4_leaky, maxpool1]}",
            "- conv:       {name: conv6, out: 10, kernel: 1}",
            "- avgpool:    {name: avgpool7, global: true}",
            "- softmax:    {name: softmax8}",
            "- loss:       {name: loss, from: avgpool7}",
        ])
        #expect(nodes == ["conv0_leaky", "maxpool1", "conv2", "conv3", "shortcut4_leaky", "route5", "conv6", "avgpool7", "softmax8", "softmax8"])
        let g = try graph(ofConfig: config)
        // darknet: (32 + 2 - 3) / 2 + 1 = 16 for the pool (padding 2, 1 before).
        #expect(g.node(named: "maxpool1")?.shape.dims == [8, 16, 16])
        #expect(g.node(named: "route5")?.shape.dims == [16, 16, 16])
        #expect(g[g.output].name == "softmax8")
        #expect(described(r.diagnostics) == [
            "n.cfg:1:2: warning: [net]'s training settings are not translated (learning_rate): write the train section yourself",
            "n.cfg:45:2: warning: [cost] is dropped: darknet's softmax before it already trains with cross-entropy, netrun's loss",
        ])
    }

    @Test(arguments: [
        ("[yolo]\n", "n.cfg:6:2: error: the importer cannot translate [yolo] layers"),
        ("[convolutional]\nfilters=x\n", "n.cfg:7:9: error: 'filters' must be a whole number from 1 to 16777216, not 'x'"),
        ("[convolutional]\nactivation=mish\n", "n.cfg:7:12: error: the mish activation is not available in netrun (linear, relu, leaky, logistic, tanh)"),
        ("[convolutional]\nbinary=1\n", "n.cfg:7:1: error: the importer cannot translate 'binary' in [convolutional]"),
        ("[maxpool]\nsize=2\nstride=1\n",
         "n.cfg:6:2: error: darknet pools this 32x32 input to 32x32 (size 2, stride 1, padding 1, 1 of it after); netrun's symmetric padding cannot give that size"),
        ("[route]\nlayers=3\n", "n.cfg:7:8: error: route layers are earlier layers' numbers (or negative offsets); '3' is not one"),
        ("[convolutional]\nfilters=4\nstride=2\n[convolutional]\nfilters=8\nsize=3\n[shortcut]\nfrom=0\n",
         "n.cfg:13:6: error: shortcut adds 4x16x16 (layer 0) to 8x14x14: netrun's shortcut needs images whose heights and widths are whole multiples of each other"),
        ("[convolutional]\n[shortcut]\nfrom=-1\nbeta=0.5\n", "n.cfg:9:6: error: a weighted shortcut ('beta' other than 1) is not available in netrun"),
        ("[convolutional]\n[shortcut]\nfrom=-2\n", "n.cfg:8:6: error: [shortcut] needs from: an earlier layer's number (or a negative offset)"),
        ("[convolutional]\nfilters=4\nsize=40\n", "n.cfg:6:2: error: netrun cannot run this as a netrun network: kernel 40 is larger than the padded input 32x32 of 'conv0' (32x32 from 'input', pad 0)"),
    ])
    func everyUntranslatableConstructIsAnErrorAtItsLineAndColumn(body: String, expected: String) {
        let (r, _) = DarknetImporter.importCfg(text: net + body, file: "n.cfg")
        #expect(r.config == nil)
        #expect(described(r.diagnostics).contains(expected), "\(described(r.diagnostics))")
    }

    /// Darknet's ResNet downsampling block: the shortcut adds a 2x larger input with fewer
    /// channels, which netrun's `shortcut` takes (main: the previous layer); equal shapes stay `add`.
    @Test func aShortcutOfAnotherShapeIsNetrunsShortcutAndOneOfTheSameShapeAnAdd() throws {
        let cfg = net + """
        [convolutional]
        filters=8
        size=3
        pad=1
        activation=relu

        [convolutional]
        filters=16
        size=3
        stride=2
        pad=1
        activation=relu

        [shortcut]
        from=-2
        activation=leaky

        [shortcut]
        from=-1
        alpha=1
        """
        let (r, nodes) = DarknetImporter.importCfg(text: cfg, file: "n.cfg")
        let config = try #require(r.config, "\(described(r.diagnostics))")
        #expect(layerLines(config) == [
            "- conv:       {name: conv0, out: 8, kernel: 3, pad: 1, act: relu}",
            "- conv:       {name: conv1, out: 16, kernel: 3, stride: 2, pad: 1, act: relu}",
            "- shortcut:   {name: shortcut2, from: [conv1, conv0]}",
            "- leaky_relu: {name: shortcut2_leaky, slope: 0.1}",
            "- add:        {name: shortcut3, from: [shortcut2_leaky, shortcut2_leaky]}",
        ])
        #expect(nodes == ["conv0", "conv1", "shortcut2_leaky", "shortcut3"])
        let g = try graph(ofConfig: config)
        #expect(g.node(named: "shortcut2")?.shape.dims == [16, 16, 16])
    }

    @Test func aCfgWithoutNetIsAnError() {
        let (r, _) = DarknetImporter.importCfg(text: "[convolutional]\nfilters=2\n", file: "n.cfg")
        #expect(described(r.diagnostics) == ["n.cfg:1:2: error: a darknet cfg starts with [net]"])
    }
}

/// Debian's darknet (`apt-get install darknet`) with its cfg files.
let darknetDirectory = "/usr/share/darknet"
let darknetInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/darknet") && FileManager.default.fileExists(atPath: "\(darknetDirectory)/cfg")

/// One row of the layer table darknet prints when it loads a cfg.
struct DarknetRow {
    var index: Int
    var kind: String
    /// [c, h, w] or [n].
    var input: [Int]?
    var output: [Int]?
    var bflops: String?
    /// A shortcut (`res`) row: the layer it adds, whose shape darknet prints as the input.
    var from: Int?

    /// `    0 conv     96 11 x11 / 4   227 x 227 x   3   ->    55 x  55 x  96  0.211 BFLOPs`,
    /// `    8 connected                            9216  ->  4096`, `   13 softmax      1000`.
    init?(_ line: String) {
        let words = line.split(whereSeparator: { $0 == " " }).map(String.init)
        guard words.count >= 2, let index = Int(words[0]) else { return nil }
        self.index = index
        kind = words[1]
        if kind == "res", words.count > 2 { from = Int(words[2]) }
        // Shapes: "W x H x C" written with variable spacing (`8 x   8 x1024`); normalize.
        let text = line.replacingOccurrences(of: "x", with: " x ")
        let parts = text.components(separatedBy: "->")
        func shape(_ s: String) -> [Int]? {
            let tokens = s.split(separator: " ").map(String.init)
            if let i = tokens.lastIndex(of: "x"), i >= 3, tokens[i - 2] == "x", let w = Int(tokens[i - 3]), let h = Int(tokens[i - 1]), let c = Int(tokens[i + 1]) {
                return [c, h, w]
            }
            return tokens.last.flatMap(Int.init).map { [$0] }
        }
        if parts.count == 2 {
            input = shape(parts[0])
            let out = parts[1].components(separatedBy: "BFLOPs")[0].split(separator: " ").map(String.init)
            output = shape(parts[1].contains("BFLOPs") ? out.dropLast().joined(separator: " ") : parts[1])
            if parts[1].contains("BFLOPs") { bflops = out.last }
        } else if kind == "softmax" || kind == "cost" {
            output = words.last.flatMap(Int.init).map { [$0] }
        }
    }
}

@Suite(.enabled(if: darknetInstalled, "Debian's darknet package (apt-get install darknet): /usr/bin/darknet and /usr/share/darknet/cfg"))
struct DarknetParityTests {
    /// Every layer darknet prints: the same input and output shapes, and for convolutions
    /// the same BFLOPs (2 x multiply-adds / 1e9, three decimals).
    @Test(arguments: ["alexnet", "darknet19", "darknet", "extraction", "tiny", "darknet53", "densenet201", "cifar",
                      "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50", "resnext101-32x4d", "resnext152-32x4d",
                      "darknet19_448", "darknet53_448", "extraction.conv", "extraction22k", "vgg-conv"])
    func importedCfgHasDarknetsShapeAtEveryLayer(cfg: String) throws {
        let path = "\(darknetDirectory)/cfg/\(cfg).cfg"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let (r, nodes) = DarknetImporter.importCfg(text: text, file: path)
        let config = try #require(r.config, "\(described(r.diagnostics))")
        let g = try graph(ofConfig: config)
        let run = capture("/usr/bin/darknet", ["classifier", "predict", "cfg/imagenet1k.data", "cfg/\(cfg).cfg", "/nonexistent.weights"],
                          directory: darknetDirectory, mergeErrors: true)
        let rows = run.out.split(separator: "\n").compactMap { DarknetRow(String($0)) }
        try #require(rows.count == nodes.count, "darknet printed \(rows.count) layers, the import has \(nodes.count)")
        var matched = 0
        var mismatches: [String] = []
        for row in rows {
            let node = try #require(g.node(named: nodes[row.index]))
            let previous = row.from ?? row.index - 1
            let before = previous < 0 ? g.inputShape.dims : g.node(named: nodes[previous])?.shape.dims
            var ok = true
            func same(_ darknet: [Int]?, _ netrun: [Int]?, _ what: String) {
                guard let darknet else { return }
                let n = netrun ?? []
                let equal = darknet.count == 1 ? n.reduce(1, *) == darknet[0] : n == darknet
                if !equal { ok = false; mismatches.append("layer \(row.index) \(row.kind) \(what): darknet \(darknet), netrun \(n)") }
            }
            same(row.input, before, "input")
            same(row.output, node.shape.dims, "output")
            if let b = row.bflops {
                let conv = g.node(named: "conv\(row.index)")
                let ours = String(format: "%.3f", 2 * Double(conv?.macs ?? 0) / 1e9)
                if ours != b { ok = false; mismatches.append("layer \(row.index) BFLOPs: darknet \(b), netrun \(ours)") }
            }
            if ok { matched += 1 }
        }
        let darknetBFLOPs = rows.compactMap { $0.bflops.flatMap(Double.init) }.reduce(0, +)
        print("darknet \(cfg): \(matched) of \(rows.count) layers match (shapes and BFLOPs); netrun: \(g.inferenceMACs) multiply-adds "
              + "(\(String(format: "%.3f", 2 * Double(g.inferenceMACs) / 1e9)) BFLOPs), darknet's rows: \(String(format: "%.3f", darknetBFLOPs)) BFLOPs")
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
