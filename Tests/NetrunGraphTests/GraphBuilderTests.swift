import Foundation
import Testing
@testable import NetrunConfig
@testable import NetrunGraph

/// The repository's Configs/ folder.
let configsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Configs").path

func build(_ text: String, file: String = "t.yaml") -> (graph: Graph?, diagnostics: Diagnostics) {
    let loaded = ConfigLoader.load(text: text, file: file)
    guard let config = loaded.config else { return (nil, loaded.diagnostics) }
    let r = GraphBuilder.build(config)
    var all = loaded.diagnostics
    all.append(contentsOf: r.diagnostics)
    return (r.graph, all)
}

/// The graph of a file in Configs/.
func graphOf(_ file: String) throws -> Graph? {
    let config = try #require(ConfigLoader.load(file: configsDirectory + "/" + file).config)
    return GraphBuilder.build(config).graph
}

/// A model around the given layers (input 3x16x16, 10 classes).
func model(_ layers: String, input: String = "[3, 16, 16]") -> String {
    "model:\n  input: \(input)\n  classes: 10\n  layers:\n" + layers
}

@Suite struct GraphBuilderTests {
    struct Expected: Sendable, CustomStringConvertible {
        var file: String
        var params: Int
        var inferenceParams: Int
        var macs: Int
        var description: String { file }
    }

    /// The papers' figures, which Tests/Peers/models.py's PyTorch networks also have.
    @Test(arguments: [
        Expected(file: "alexnet.yaml", params: 60_965_224, inferenceParams: 60_965_224, macs: 724_406_816),
        Expected(file: "googlenet.yaml", params: 13_378_280, inferenceParams: 6_998_552, macs: 1_582_671_872),
        Expected(file: "fashion-alexnet.yaml", params: 1_106_794, inferenceParams: 1_106_794, macs: 32_365_312),
        Expected(file: "fashion-googlenet.yaml", params: 543_432, inferenceParams: 376_702, macs: 42_962_624),
    ])
    func theConfigsHaveThePapersParameterAndMultiplyAddCounts(_ e: Expected) throws {
        let loaded = ConfigLoader.load(file: configsDirectory + "/" + e.file)
        let config = try #require(loaded.config, "\(loaded.diagnostics.all)")
        let r = GraphBuilder.build(config)
        let graph = try #require(r.graph, "\(r.diagnostics.all)")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.all)")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.all)")
        #expect(graph.parameterCount == e.params)
        #expect(graph.inference().parameterCount == e.inferenceParams)
        #expect(graph.inferenceMACs == e.macs)
    }

    @Test func googlenetDefinesTheInceptionBlockOnceAndUsesItNineTimes() throws {
        let text = try String(contentsOfFile: configsDirectory + "/googlenet.yaml", encoding: .utf8)
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count < 150)
        #expect(text.components(separatedBy: "- inception:").count - 1 == 9)
        #expect(text.components(separatedBy: "    inception:\n").count - 1 == 1)
        let graph = try #require(try graphOf("googlenet.yaml"))
        #expect(graph.node(named: "inception_3a")?.shape == TensorShape([256, 28, 28]))
        #expect(graph.node(named: "inception_5b")?.shape == TensorShape([1024, 7, 7]))
        #expect(graph.node(named: "loss1/ave_pool")?.shape == TensorShape([512, 4, 4]))
        #expect(graph.parameters.map(\.name).contains("inception_4e/pool_proj.weight"))
        #expect(graph.node(named: "loss2/fc")?.trainOnly == true)
        #expect(graph.node(named: "inception_4a")?.trainOnly == false)
        #expect(graph[graph.output].name == "classifier")
    }

    @Test func parameterNamesAndShapesFollowPyTorch() throws {
        let graph = try #require(try graphOf("alexnet.yaml"))
        let shapes = Dictionary(uniqueKeysWithValues: graph.parameters.map { ($0.name, $0.shape) })
        #expect(shapes["conv2.weight"] == [256, 48, 5, 5])
        #expect(shapes["fc6.weight"] == [4096, 9216])
        #expect(shapes["fc8.bias"] == [1000])
        let fc6 = try #require(graph.parameters.first { $0.name == "fc6.bias" })
        #expect(fc6.filler == .constant(1))
        #expect(graph.parameters.first { $0.name == "conv3.bias" }?.filler == .constant(0))
        #expect(graph.parameters.first { $0.name == "conv1.weight" }?.filler == .gaussian(mean: 0, std: 0.01))
    }

    @Test func aDanglingReferenceIsReportedAtTheReferenceWithASuggestion() throws {
        let (graph, d) = build(model("""
            - conv: {name: conv1, out: 8, kernel: 3}
            - conv: {name: conv2, from: covn1, out: 8, kernel: 3}
            - loss: {from: conv2}
        """))
        #expect(graph == nil)
        let e = try #require(d.errors.first)
        #expect(e.message == "no node named 'covn1'; did you mean 'conv1'?")
        #expect(e.location == SourceLocation(file: "t.yaml", line: 6, column: 33))
        // conv2's failure does not cascade into the loss.
        #expect(d.errors.count == 1)
    }

    @Test func concatInputsOfDifferentSizesAreReportedAtTheInput() throws {
        let (_, d) = build(model("""
            - conv: {name: a, out: 8, kernel: 3, pad: 1}
            - conv: {name: b, from: input, out: 8, kernel: 3}
            - concat: {name: c, from: [a, b]}
            - dense: {out: 10}
            - loss
        """))
        let e = try #require(d.errors.first)
        #expect(e.message == "concat input 'b' is 14x14 but 'a' is 16x16: concat joins channels of equal height and width")
        #expect(e.location == SourceLocation(file: "t.yaml", line: 7, column: 35))
    }

    @Test func groupsThatDoNotDivideTheChannelsAreReportedAtGroups() throws {
        let (_, d) = build(model("""
            - conv: {name: a, out: 8, kernel: 3, groups: 2}
            - dense: {out: 10}
            - loss
        """))
        let e = try #require(d.errors.first)
        #expect(e.message == "groups 2 does not divide the 3 input channels of 'a' (from 'input')")
        #expect(e.location == SourceLocation(file: "t.yaml", line: 5, column: 50))
    }

    @Test func aKernelLargerThanItsPaddedInputIsReportedAtTheKernel() throws {
        let (_, d) = build(model("""
            - conv: {name: a, out: 8, kernel: 7, pad: 1, dilation: 2}
            - dense: {out: 10}
            - loss
        """, input: "[3, 8, 8]"))
        let e = try #require(d.errors.first)
        #expect(e.message == "kernel 7 (13 dilated) is larger than the padded input 10x10 of 'a' (8x8 from 'input', pad 1)")
        #expect(e.location == SourceLocation(file: "t.yaml", line: 5, column: 39))
    }

    @Test func aCycleIsReportedWithItsPath() throws {
        let (_, d) = build(model("""
            - conv: {name: a, from: b, out: 3, kernel: 1}
            - conv: {name: b, from: a, out: 3, kernel: 1}
            - dense: {out: 10}
            - loss
        """))
        let e = try #require(d.errors.first)
        #expect(e.message.hasPrefix("cycle in the graph: "))
        #expect(e.message.contains("a -> b") || e.message.contains("b -> a"))
    }

    @Test func aDuplicateNameNamesBothLayers() throws {
        let (_, d) = build(model("""
            - conv: {name: a, out: 3, kernel: 1}
            - conv: {name: a, out: 3, kernel: 1}
            - dense: {out: 10}
            - loss
        """))
        let e = try #require(d.errors.first)
        #expect(e.message == "duplicate node name 'a'")
        #expect(e.location.line == 6)
        #expect(e.notes.last?.location.line == 5)
    }

    @Test func anUnusedBranchIsAWarningAndTheGraphStillBuilds() throws {
        let (graph, d) = build(model("""
            - conv: {name: a, out: 3, kernel: 1}
            - conv: {name: side, from: input, out: 3, kernel: 1}
            - dense: {name: fc, from: a, out: 10}
            - loss
        """))
        #expect(graph != nil)
        #expect(d.warnings.map(\.message) == ["'side' is not used: no loss and no output depends on it"])
        #expect(d.warnings.first?.location.line == 6)
    }

    @Test func aLossNeedsAsManyScoresAsClasses() throws {
        let (_, d) = build(model("""
            - dense: {name: fc, out: 7}
            - loss
        """))
        #expect(d.errors.first?.message == "the loss on 'fc' needs 10 class scores (model.classes), but 'fc' gives 7")
    }

    /// Each k of top_k is at most model.classes (checked with the graph, at the k) and listed once.
    @Test func aTopKAboveTheClassesOrListedTwiceIsAnErrorAtTheK() throws {
        let (_, above) = build(model("""
            - dense: {name: fc, out: 10}
            - loss: {top_k: [1, 11]}
        """))
        #expect(above.errors.map(\.message) == ["top-11 needs at least 11 classes, but model.classes is 10"])
        #expect(above.errors.first?.location == SourceLocation(file: "t.yaml", line: 6, column: 25))
        let (_, twice) = build(model("""
            - dense: {name: fc, out: 10}
            - loss: {top_k: [5, 5]}
        """))
        #expect(twice.errors.map(\.message) == ["top-5 is listed twice"])
        #expect(twice.errors.first?.location == SourceLocation(file: "t.yaml", line: 6, column: 25))
        #expect(twice.errors.first?.notes.first?.location == SourceLocation(file: "t.yaml", line: 6, column: 22))
        let (graph, fine) = build(model("""
            - dense: {name: fc, out: 10}
            - loss: {top_k: [1, 10]}
        """))
        #expect(!fine.hasErrors && graph != nil)
    }

    /// add sums inputs of one shape: another shape is an error at that input.
    @Test func addInputsOfDifferentShapesAreReportedAtTheInput() throws {
        let (_, d) = build(model("""
            - conv: {name: a, out: 8, kernel: 3, pad: 1}
            - conv: {name: b, from: input, out: 8, kernel: 3}
            - add: {name: s, from: [a, b]}
            - dense: {out: 10}
            - loss
        """))
        let e = try #require(d.errors.first)
        #expect(e.message == "add input 'b' gives 8x14x14 but 'a' gives 8x16x16: add sums inputs of one shape")
        #expect(e.location == SourceLocation(file: "t.yaml", line: 7, column: 32))
        let (_, one) = build(model("""
            - conv: {name: a, out: 8, kernel: 3, pad: 1}
            - add: {name: s, from: [a]}
            - dense: {out: 10}
            - loss
        """))
        #expect(one.errors.map(\.message) == ["add needs 'from' with two or more inputs"])
    }

    /// shortcut keeps its main input's shape whatever the added input's channels, and takes
    /// an added input whole times larger or smaller along each axis, the two axes apart.
    @Test func aShortcutHasItsMainInputsShapeAndNoParameters() throws {
        let (graph, d) = build(model("""
            - conv: {name: a, out: 8, kernel: 3, pad: 1}
            - conv: {name: b, out: 16, kernel: 3, stride: 2, pad: 1}
            - shortcut: {name: down, from: [b, a]}
            - shortcut: {name: up, from: [a, down]}
            - conv: {name: c, from: input, out: 4, kernel: [3, 1], stride: [2, 1], pad: [1, 0]}
            - conv: {name: t, from: input, out: 2, kernel: [1, 3], stride: [1, 2], pad: [0, 1]}
            - shortcut: {name: mixed, from: [c, t]}
            - shortcut: {name: same, from: [a, up]}
            - dense: {out: 10}
            - loss
        """))
        #expect(!d.hasErrors, "\(d.all)")
        let g = try #require(graph)
        #expect(g.node(named: "down")?.shape == TensorShape([16, 8, 8]))
        #expect(g.node(named: "up")?.shape == TensorShape([8, 16, 16]))
        #expect(g.node(named: "t")?.shape == TensorShape([2, 16, 8]))
        #expect(g.node(named: "mixed")?.shape == TensorShape([4, 8, 16]))
        #expect(g.node(named: "same")?.op == .shortcut)
        #expect(g.node(named: "down")?.parameters.isEmpty == true && g.node(named: "down")?.macs == 0)
        let down = try #require(ShortcutAxis(main: 8, added: 16)), up = try #require(ShortcutAxis(main: 16, added: 8))
        #expect((down.stride, down.sample, down.count) == (2, 1, 8))
        #expect((up.stride, up.sample, up.count) == (1, 2, 8))
        #expect(ShortcutAxis(main: 6, added: 16) == nil && ShortcutAxis(main: 16, added: 6) == nil)
    }

    /// A ratio that is not whole is an error at the added input; so are one input, or a vector.
    @Test func shortcutSizesThatDoNotDivideAreReportedAtTheAddedInput() throws {
        let (_, d) = build(model("""
            - conv: {name: a, out: 8, kernel: 3, pad: 1}
            - conv: {name: b, out: 8, kernel: 7}
            - shortcut: {name: s, from: [b, a]}
            - dense: {out: 10}
            - loss
        """))
        let e = try #require(d.errors.first)
        #expect(e.message == "shortcut input 'a' is 16x16 but 'b' is 10x10: the added input's height and width must each be a whole "
                + "multiple or a whole fraction of the main input's")
        #expect(e.location == SourceLocation(file: "t.yaml", line: 7, column: 37))
        let (_, one) = build(model("""
            - conv: {name: a, out: 8, kernel: 3, pad: 1}
            - shortcut: {name: s, from: [a]}
            - dense: {out: 10}
            - loss
        """))
        #expect(one.errors.map(\.message) == ["shortcut needs 'from' with two inputs: [main, added]"])
        let (_, vector) = build(model("""
            - conv: {name: a, out: 8, kernel: 3, pad: 1}
            - dense: {name: f, out: 10}
            - shortcut: {name: s, from: [a, f]}
            - dense: {out: 10}
            - loss
        """))
        #expect(vector.errors.map(\.message) == ["shortcut needs an image input (channels x height x width), but 'f' gives 10"])
    }

    /// The new ops' settings come from the op table: defaults, ranges and parameters.
    @Test func scaleAndLeakyReLUTakeTheirSettingsAndParameters() throws {
        let (graph, d) = build(model("""
            - conv: {name: c, out: 4, kernel: 3, pad: 1}
            - scale: {name: s}
            - scale: {name: t, bias: false}
            - leaky_relu: {name: l}
            - leaky_relu: {name: m, slope: -0.5}
            - dense: {out: 10}
            - loss
        """))
        #expect(!d.hasErrors, "\(d.all)")
        let g = try #require(graph)
        #expect(g.node(named: "s")?.parameters.map(\.name) == ["s.weight", "s.bias"])
        #expect(g.node(named: "s")?.parameters.map(\.shape) == [[4], [4]])
        #expect(g.node(named: "s")?.parameters.map(\.filler) == [.constant(1), .constant(0)])
        #expect(g.node(named: "t")?.parameters.map(\.name) == ["t.weight"])
        #expect(g.node(named: "l")?.op == .activation(.leakyReLU(slope: 0.01)))
        #expect(g.node(named: "m")?.op == .activation(.leakyReLU(slope: -0.5)))
        let (_, bad) = build(model("""
            - leaky_relu: {slope: 1e7}
            - dense: {out: 10}
            - loss
        """))
        #expect(bad.errors.map(\.message) == ["expected a slope of at most 1000000.0, found 1e7"])
    }

    @Test func ceilPoolingDropsAWindowThatStartsInThePadding() throws {
        // PyTorch: MaxPool2d(3, 2, padding=1, ceil_mode=True) on 6x6 gives 4x4, not 5x5... and on 5x5 gives 3x3.
        let (graph, _) = build(model("""
            - maxpool: {name: p, kernel: 3, stride: 2, pad: 1, round: ceil}
            - avgpool: {name: q, from: input, kernel: 2, stride: 2, round: ceil}
            - avgpool: {name: g, from: input, global: true}
            - concat: {from: [g, g]}
            - dense: {out: 10}
            - loss
        """, input: "[3, 5, 5]"))
        let g = try #require(graph)
        #expect(g.node(named: "p")?.shape == TensorShape([3, 3, 3]))
        #expect(g.node(named: "q")?.shape == TensorShape([3, 3, 3]))
        #expect(g.node(named: "g")?.shape == TensorShape([3, 1, 1]))
    }

    @Test func theInferenceGraphDropsTrainingOnlyHeadsAndDropout() throws {
        let (graph, _) = build(model("""
            - conv: {name: a, out: 4, kernel: 3}
            - dense: {name: aux, out: 10}
            - loss: {name: aux_loss, weight: 0.3, train_only: true}
            - dense: {name: fc, from: a, out: 10}
            - dropout: {rate: 0.5}
            - loss: {name: main}
        """))
        let g = try #require(graph)
        #expect(g.nodes.count == 7)
        #expect(g.node(named: "aux")?.trainOnly == true)
        let inference = g.inference()
        #expect(inference.nodes.map(\.name) == ["input", "a", "fc", "main"])
        #expect(inference.node(named: "main")?.inputs == [2])
        #expect(inference[inference.output].name == "fc")
        #expect(inference.losses == [3])
    }

    @Test func nodesComeInTopologicalOrderEvenWhenWrittenOutOfOrder() throws {
        let (graph, d) = build(model("""
            - dense: {name: fc, from: b, out: 10}
            - loss: {from: fc}
            - conv: {name: b, from: input, out: 2, kernel: 1}
        """))
        let g = try #require(graph, "\(d.all)")
        let names = g.nodes.map(\.name)
        let index = { (n: String) in names.firstIndex(of: n) ?? -1 }
        #expect(index("b") < index("fc"))
        #expect(index("fc") < index("loss_1"))
        for n in g.nodes { for i in n.inputs { #expect(i < n.id) } }
    }

    @Test func theDOTOutputHasAClusterPerBlockInstanceAndShapesOnEdges() throws {
        let graph = try #require(try graphOf("googlenet.yaml"))
        let dot = graph.dot(name: "googlenet")
        #expect(dot.hasPrefix("digraph \"googlenet\" {"))
        #expect(dot.components(separatedBy: "subgraph cluster_").count - 1 == 11)
        #expect(dot.contains("label=\"inception_3a (inception)\""))
        #expect(dot.contains("[label=\"256x28x28\"]"))
        #expect(dot.hasSuffix("}\n"))
    }
}

@Suite struct DOTTests {
    @Test func nodesInsideAClusterAreLabelledWithoutTheInstancePrefix() throws {
        let graph = try #require(try graphOf("googlenet.yaml"))
        let dot = graph.dot(name: "g")
        #expect(dot.components(separatedBy: "label=\"3x3_reduce\\nconv 1/1 +relu\"").count - 1 == 9)
        #expect(!dot.contains("label=\"inception_3a/3x3"))
        #expect(dot.contains("label=\"conv1\\nconv 7/2 pad 3 +relu\""))
    }
}

@Suite struct LimitTests {
    @Test func sizesBeyondTheLimitsAreErrorsNotOverflows() throws {
        let huge = build(model("""
            - conv: {name: c, out: 16777216, kernel: 3}
            - dense: {out: 10}
            - loss
        """, input: "[3, 4096, 4096]"))
        #expect(huge.diagnostics.errors.first?.message == "the output of 'c', 16777216x4094x4094, is too large (more than 2^36 values)")
        let input = build(model("    - dense: {out: 10}\n    - loss\n", input: "[16777216, 16777216, 16777216]"))
        #expect(input.diagnostics.errors.first?.message == "an input of 16777216x16777216x16777216 is too large (more than 2^36 values)")
        let dense = build(model("    - dense: {out: 16777216}\n    - dense: {out: 10}\n    - loss\n", input: "[64, 1024, 1024]"))
        #expect(dense.diagnostics.errors.first?.message.hasPrefix("parameter 'dense_1.weight' of shape 16777216x67108864 is too large") == true)
        let config = ConfigLoader.load(text: model("    - conv: {out: 3, kernel: 99999999999}\n"))
        #expect(config.firstErrorMessage == "expected a kernel size of at most 1048576, found 99999999999")
    }
}

extension LoadResult {
    var firstErrorMessage: String? { diagnostics.errors.first?.message }
}
