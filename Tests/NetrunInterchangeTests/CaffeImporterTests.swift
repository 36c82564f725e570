import Foundation
import NetrunConfig
import NetrunGraph
import Testing
import NetrunBackend
import NetrunRunner
import _NetrunTestSupport
@testable import NetrunInterchange

/// The model's layer lines of a written config (`- op: {...}`), trimmed.
func layerLines(_ text: String) -> [String] {
    text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("- ") }
}

/// `file:line:col: severity: message` of every diagnostic, sorted.
func described(_ d: Diagnostics) -> [String] { d.sorted.map(\.description) }

@Suite struct PrototxtTests {
    @Test func everyFieldAndValueKeepsItsLineAndColumn() throws {
        let text = """
        name: "net"  # a comment
        layer {
          top: 'a\\'b' "c"
          param: { lr_mult: 1e-3 }
          dim: [1, -2, 0x10]
          pool: MAX; k: 3.5f
        }
        """
        let m = try Prototxt.parse(text, file: "t.prototxt")
        let name = try #require(m.first("name"))
        #expect(name.name.location.description == "t.prototxt:1:1")
        guard case .scalar(let n) = name.value else { Issue.record("name is not a scalar"); return }
        #expect(n.text == "net" && n.kind == .string && n.location.description == "t.prototxt:1:7")
        guard case .message(let layer) = try #require(m.first("layer")).value else { Issue.record("layer is not a message"); return }
        guard case .scalar(let top) = try #require(layer.first("top")).value else { Issue.record("top"); return }
        #expect(top.text == "a'bc")
        #expect(top.location.description == "t.prototxt:3:8")
        guard case .message(let param) = try #require(layer.first("param")).value,
              case .scalar(let lr) = try #require(param.first("lr_mult")).value else { Issue.record("param"); return }
        #expect(lr.location.description == "t.prototxt:4:21" && Prototxt.Parser.number(lr.text) == 1e-3)
        let dims = layer.all("dim").compactMap { f -> Double? in
            guard case .scalar(let s) = f.value else { return nil }
            return Prototxt.Parser.number(s.text)
        }
        #expect(dims == [1, -2, 16])
        guard case .scalar(let pool) = try #require(layer.first("pool")).value, case .scalar(let k) = try #require(layer.first("k")).value else { return }
        #expect(pool.kind == .identifier && pool.text == "MAX" && Prototxt.Parser.number(k.text) == 3.5)
        #expect(k.location.description == "t.prototxt:6:17")
    }

    @Test(arguments: [
        ("layer {\n  name: \"a\"\n", "t:3:1: error: the file ends inside a message: expected '}'"),
        ("layer {\n  kernel_size: 3x\n}", "t:2:16: error: '3x' is not a number"),
        ("layer {\n  name \"a\"\n}", "t:2:8: error: expected ':' or '{' after the field name 'name'"),
        ("name: \"abc\n", "t:1:7: error: this string is not closed on its line"),
        ("}", "t:1:1: error: expected a field name, found '}'"),
        ("dim: [1, 2", "t:1:11: error: the file ends inside a list: expected ']'"),
    ])
    func syntaxErrorsArePositioned(text: String, expected: String) {
        #expect(throws: ConfigError.self) { try Prototxt.parse(text, file: "t") }
        do { _ = try Prototxt.parse(text, file: "t") } catch { #expect(error.description == expected) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "a {", count: 10_000)
        do {
            _ = try Prototxt.parse(text, file: "t")
            Issue.record("parsed")
        } catch {
            #expect(error.description.contains("nested deeper than 64"))
        }
    }
}

/// A layer of a current-format prototxt.
func layer(_ name: String, _ type: String, bottom: [String] = [], top: [String]? = nil, _ body: String = "") -> String {
    var s = "layer {\n  name: \"\(name)\"\n  type: \"\(type)\"\n"
    for b in bottom { s += "  bottom: \"\(b)\"\n" }
    for t in top ?? [name] { s += "  top: \"\(t)\"\n" }
    return s + body + "}\n"
}

let inputHeader = "name: \"small\"\ninput: \"data\"\ninput_shape { dim: 2 dim: 3 dim: 32 dim: 32 }\n"

@Suite struct CaffeImporterTests {
    func imported(_ text: String, solver: String? = nil) -> ImportResult {
        CaffeImporter.importNet(text: text, file: "net.prototxt", solver: solver.map { ($0, "solver.prototxt") })
    }

    @Test func aSmallNetIsWrittenAsAPersonWouldWriteIt() throws {
        let text = inputHeader
            + layer("conv1", "Convolution", bottom: ["data"], """
              param { lr_mult: 1 decay_mult: 1 }
              param { lr_mult: 2 decay_mult: 0 }
              convolution_param { num_output: 8 kernel_size: 5 stride: 1 pad: 2 group: 1
                weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } }

            """)
            + layer("relu1", "ReLU", bottom: ["conv1"], top: ["conv1"])
            + layer("norm1", "LRN", bottom: ["conv1"], "  lrn_param { local_size: 3 alpha: 0.0001 beta: 0.75 }\n")
            + layer("pool1", "Pooling", bottom: ["norm1"], "  pooling_param { pool: MAX kernel_size: 3 stride: 2 }\n")
            + layer("fc", "InnerProduct", bottom: ["pool1"], "  inner_product_param { num_output: 10 weight_filler { type: \"gaussian\" std: 0.01 } }\n")
            + layer("drop", "Dropout", bottom: ["fc"], top: ["fc"], "  dropout_param { dropout_ratio: 0.3 }\n")
            + layer("acc5", "Accuracy", bottom: ["fc", "label"], "  accuracy_param { top_k: 5 }\n  include { phase: TEST }\n")
        // No labels: a deploy-style net ends in Softmax.
        let deploy = imported(text + layer("prob", "Softmax", bottom: ["fc"]))
        let config = try #require(deploy.config, "\(described(deploy.diagnostics))")
        #expect(layerLines(config) == [
            "- conv:    {name: conv1, out: 8, kernel: 5, pad: 2, act: relu, lr_mult: [1, 2], decay_mult: [1, 0]}",
            "- lrn:     {name: norm1, size: 3, alpha: 0.0001, beta: 0.75, k: 1, alpha_form: caffe}",
            "- maxpool: {name: pool1, kernel: 3, stride: 2, round: ceil}",
            "- dense:   {name: fc, out: 10, init: {weight: {gaussian: 0.01}, bias: 0}}",
            "- dropout: {name: drop, rate: 0.3}",
            "- softmax: {name: prob}",
        ])
        #expect(config.contains("  input: [3, 32, 32]\n  classes: 10\n  init: {weight: {xavier: {fan: in}}, bias: 0.1}\n"))
        let g = try graph(ofConfig: config)
        #expect(g.node(named: "pool1")?.shape.dims == [8, 16, 16])   // ceil((32 - 3) / 2) + 1
        #expect(!described(deploy.diagnostics).contains { $0.contains("lr_mult") || $0.contains("decay_mult") })
        #expect(described(deploy.diagnostics).contains { $0.hasPrefix("net.prototxt:48:1: warning: accuracy layer dropped: no loss reads 'drop'") })
    }

    @Test func lossesTakeTheirAccuracyLayersAsTopKAndAuxiliaryHeadsAreTrainingOnly() throws {
        let text = "name: \"heads\"\n"
            + layer("data", "Data", top: ["data", "label"], "  transform_param { crop_size: 16 }\n  data_param { batch_size: 8 }\n")
            + layer("fc_aux", "InnerProduct", bottom: ["data"], "  inner_product_param { num_output: 4 weight_filler { type: \"msra\" } }\n")
            + layer("loss_aux", "SoftmaxWithLoss", bottom: ["fc_aux", "label"], top: ["l1"], "  loss_weight: 0.3\n")
            + layer("fc", "InnerProduct", bottom: ["data"], "  inner_product_param { num_output: 4 weight_filler { type: \"msra\" } }\n")
            + layer("top1", "Accuracy", bottom: ["fc", "label"])
            + layer("top2", "Accuracy", bottom: ["fc", "label"], "  accuracy_param { top_k: 2 }\n")
            + layer("loss", "SoftmaxWithLoss", bottom: ["fc", "label"])
            + layer("train_loss", "SoftmaxWithLoss", bottom: ["fc", "label"], top: ["l3"], "  include { phase: TRAIN }\n")
        let r = imported(text)
        let config = try #require(r.config, "\(described(r.diagnostics))")
        #expect(layerLines(config) == [
            "- dense: {name: fc_aux, out: $classes}",
            "- loss:  {name: loss_aux, weight: 0.3, train_only: true}",
            "- dense: {name: fc, from: input, out: $classes}",
            "- loss:  {name: loss, top_k: [1, 2]}",
            "- loss:  {name: train_loss, from: fc, train_only: true, top_k: [1, 2]}",
        ])
        #expect(config.contains("init: {weight: msra, bias: 0}"))
        let g = try graph(ofConfig: config)
        #expect(g[g.output].name == "fc")
        #expect(g.nodes.filter(\.trainOnly).map(\.name) == ["fc_aux", "loss_aux", "train_loss"])
        #expect(described(r.diagnostics) == [
            "net.prototxt:2:1: warning: data layer 'data' dropped; the input [3, 16, 16] comes from its crop_size, the channel count assumed 3 (Caffe reads it from the data)",
            "net.prototxt:17:1: warning: 'loss_aux' (loss_weight 0.3) is an auxiliary head: written train_only, so netrun drops it at inference and does not evaluate it; the main loss is 'loss'",
        ])
    }

    @Test func batchNormWithScaleIsOneBatchnormEltwiseIsAddAndSplitsAreDropped() throws {
        let text = inputHeader
            + layer("c", "Convolution", bottom: ["data"], "  convolution_param { num_output: 3 kernel_size: 3 pad: 1 bias_term: false weight_filler { type: \"msra\" } }\n")
            + layer("bn", "BatchNorm", bottom: ["c"], top: ["c"], "  batch_norm_param { moving_average_fraction: 0.9 eps: 0.001 }\n  param { lr_mult: 0 }\n")
            + layer("sc", "Scale", bottom: ["c"], top: ["c"], "  scale_param { bias_term: true }\n")
            + layer("split", "Split", bottom: ["c"], top: ["c1", "c2"])
            + layer("r", "ReLU", bottom: ["c1"], top: ["r"])
            + layer("s", "Sigmoid", bottom: ["c2"], top: ["c2"])
            + layer("sum", "Eltwise", bottom: ["r", "c2", "data"], "  eltwise_param { operation: SUM }\n")
            + layer("cat", "Concat", bottom: ["sum", "r"])
            + layer("scale_only", "Scale", bottom: ["cat"])
            + layer("fc", "InnerProduct", bottom: ["scale_only"], "  inner_product_param { num_output: 5 weight_filler { type: \"xavier\" variance_norm: AVERAGE } }\n")
        let r = imported(text)
        let config = try #require(r.config, "\(described(r.diagnostics))")
        #expect(layerLines(config) == [
            "- conv:      {name: c, out: 3, kernel: 3, pad: 1, bias: false}",
            "- batchnorm: {name: bn, eps: 0.001, momentum: 0.1}",
            "- relu:      {name: r}",
            "- sigmoid:   {name: s, from: bn}",
            "- add:       {name: sum, from: [r, s, input]}",
            "- concat:    {name: cat, from: [sum, r]}",
            "- scale:     {name: scale_only, bias: false}",
            "- dense:     {name: fc, out: 5, init: {weight: {xavier: {fan: avg}}, bias: 0}}",
        ])
        let g = try graph(ofConfig: config)
        #expect(g.node(named: "cat")?.shape.dims == [6, 32, 32])
        #expect(described(r.diagnostics) == ["net.prototxt:1:1: warning: in the written config: the network has no loss layer: it can be run but not trained"])
    }

    /// Three modules of one shape with different channel counts: one block, three uses.
    @Test func repeatedModulesWithDifferentNumbersBecomeOneBlock() throws {
        func module(_ p: String, _ input: String, _ a: Int, _ b: Int) -> String {
            let conv = { (n: String, bottom: String, out: Int, k: Int) in
                layer("\(p)/\(n)", "Convolution", bottom: [bottom], "  convolution_param { num_output: \(out) kernel_size: \(k) pad: \(k / 2) weight_filler { type: \"xavier\" } }\n")
                    + layer("\(p)/relu_\(n)", "ReLU", bottom: ["\(p)/\(n)"], top: ["\(p)/\(n)"])
            }
            return conv("1x1", input, a, 1) + conv("3x3", input, b, 3)
                + layer("\(p)/pool", "Pooling", bottom: [input], "  pooling_param { pool: MAX kernel_size: 3 stride: 1 pad: 1 }\n")
                + layer("\(p)/output", "Concat", bottom: ["\(p)/1x1", "\(p)/3x3", "\(p)/pool"])
        }
        let text = inputHeader + module("mod_a", "data", 4, 8) + module("mod_b", "mod_a/output", 6, 8) + module("mod_c", "mod_b/output", 2, 5)
            + layer("fc", "InnerProduct", bottom: ["mod_c/output"], "  inner_product_param { num_output: 10 weight_filler { type: \"xavier\" } }\n")
        let r = imported(text)
        let config = try #require(r.config, "\(described(r.diagnostics))")
        #expect(config.contains("""
              blocks:
                # written once, used by mod_a, mod_b, mod_c
                mod:
                  params: [1x1, 3x3]
                  layers:
                    - conv:    {name: 1x1, out: $1x1, kernel: 1, act: relu}
                    - conv:    {name: 3x3, from: input, out: $3x3, kernel: 3, pad: 1, act: relu}
                    - maxpool: {name: pool, from: input, kernel: 3, pad: 1, round: ceil}
                    - concat:  {name: output, from: [1x1, 3x3, pool]}
            """))
        #expect(layerLines(config).suffix(4) == [
            "- mod:   {name: mod_a, 1x1: 4, 3x3: 8}",
            "- mod:   {name: mod_b, 1x1: 6, 3x3: 8}",
            "- mod:   {name: mod_c, 1x1: 2, 3x3: 5}",
            "- dense: {name: fc, out: 10}",
        ])
        // The same network as the flat prototxt: Caffe's names, and the channels each module adds.
        let g = try graph(ofConfig: config)
        #expect(g.node(named: "mod_b/1x1")?.shape.dims == [6, 32, 32])
        #expect(g.node(named: "mod_a/output")?.shape.dims == [15, 32, 32])
        #expect(g.node(named: "mod_c/output")?.shape.dims == [2 + 5 + 29, 32, 32])
        let convParams = (1 * 1 * 3 * 4 + 4) + (3 * 3 * 3 * 8 + 8) + (15 * 6 + 6) + (9 * 15 * 8 + 8) + (29 * 2 + 2) + (9 * 29 * 5 + 5)
        #expect(g.parameterCount == convParams + 36 * 32 * 32 * 10 + 10)
    }

    @Test func theV1FormatReadsAsTheCurrentOne() throws {
        let text = inputHeader + """
        layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1" blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
          convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" std: 0.01 } } }
        layers { name: "relu1" type: RELU bottom: "conv1" top: "conv1" }
        layers { name: "fc" type: INNER_PRODUCT bottom: "conv1" top: "fc" weight_decay: 1 weight_decay: 0 inner_product_param { num_output: 3 } }
        """
        let r = imported(text)
        let config = try #require(r.config, "\(described(r.diagnostics))")
        #expect(layerLines(config) == [
            "- conv:  {name: conv1, out: 4, kernel: 3, act: relu, lr_mult: [1, 2], decay_mult: [1, 0]}",
            "- dense: {name: fc, out: 3, init: {weight: 0}, decay_mult: [1, 0]}",
        ])
        #expect(described(r.diagnostics).contains("net.prototxt:7:1: warning: no weight_filler: Caffe's default, the constant 0, is written (1 layer); give one to train from scratch"))
        _ = try graph(ofConfig: config)
    }

    /// Each construct the importer cannot translate, with where it is reported.
    @Test(arguments: [
        (layer("x", "PReLU", bottom: ["data"]), "net.prototxt:6:9: error: the importer cannot translate layers of type 'PReLU' ('x')"),
        (layer("x", "Convolution", bottom: ["data"], "  convolution_param { num_output: 2 kernel_size: 3 bias_filler { type: \"bilinear\" } }\n"),
         "net.prototxt:9:72: error: the bilinear filler is not available in netrun (constant, gaussian, uniform, xavier, msra)"),
        (layer("x", "Convolution", bottom: ["data"], "  convolution_param { num_output: 2 kernel_size: 3 kernel_size: 3 kernel_size: 3 }\n"),
         "net.prototxt:9:67: error: 'kernel_size' is given 3 times: netrun's windows are 2-D"),
        (layer("x", "Convolution", bottom: ["data"], "  convolution_param { num_output: 2 kernel_size: 3 }\n  frobnicate: 1\n"),
         "net.prototxt:10:3: error: the importer cannot translate 'frobnicate' in Convolution layer 'x'"),
        (layer("x", "Pooling", bottom: ["data"], "  pooling_param { pool: STOCHASTIC kernel_size: 2 }\n"),
         "net.prototxt:9:25: error: STOCHASTIC pooling is not available: netrun pools by MAX or AVE"),
        (layer("x", "LRN", bottom: ["data"], "  lrn_param { norm_region: WITHIN_CHANNEL }\n"),
         "net.prototxt:9:28: error: LRN with norm_region WITHIN_CHANNEL is not available: netrun's lrn normalizes across channels"),
        (layer("x", "Eltwise", bottom: ["data", "data"], "  eltwise_param { operation: PROD }\n"),
         "net.prototxt:10:30: error: Eltwise PROD is not available: netrun's add is Eltwise SUM"),
        (layer("x", "Eltwise", bottom: ["data", "data"], "  eltwise_param { coeff: 1 coeff: -1 }\n"),
         "net.prototxt:10:35: error: Eltwise SUM with a coefficient other than 1 is not available: netrun's add sums its inputs"),
        (layer("x", "Concat", bottom: ["data", "data"], "  concat_param { axis: 2 }\n"),
         "net.prototxt:10:24: error: concatenation along axis 2 is not available: netrun's concat joins channels (axis 1)"),
        (layer("x", "InnerProduct", bottom: ["data"], "  inner_product_param { num_output: 2 transpose: true }\n"),
         "net.prototxt:9:50: error: a transposed weight (transpose: true) is not available: netrun's dense weight is [out, in]"),
        (layer("x", "ReLU", bottom: ["nothing"]), "net.prototxt:4:1: error: 'x' reads 'nothing', which no layer before it produces"),
        (layer("x", "Convolution", bottom: ["data"], "  convolution_param { num_output: 2 kernel_size: 3 }\n  param { name: \"shared\" }\n"),
         "net.prototxt:10:11: error: shared parameters (param name) are not available in netrun"),
        (layer("x", "Dropout", bottom: ["data"], "  include { stage: \"deploy\" }\n"),
         "net.prototxt:9:13: error: the importer cannot translate 'stage' in the include rule of 'x' (netrun has no stages or levels)"),
        (layer("x", "Convolution", bottom: ["data"], "  convolution_param { num_output: 2 kernel_size: 40 }\n"),
         "net.prototxt:4:1: error: netrun cannot run this as a netrun network: kernel 40 is larger than the padded input 32x32 of 'x' (32x32 from 'input', pad 0)"),
    ])
    func everyUntranslatableConstructIsAnErrorAtItsLineAndColumn(body: String, expected: String) {
        let r = imported(inputHeader + body)
        #expect(r.config == nil)
        #expect(described(r.diagnostics).contains(expected), "\(described(r.diagnostics))")
    }

    @Test func aNetWithoutAnInputShapeIsAnError() {
        let r = imported(layer("data", "Data", top: ["data", "label"], "  data_param { batch_size: 8 }\n") + layer("fc", "InnerProduct", bottom: ["data"], "  inner_product_param { num_output: 2 }\n"))
        #expect(r.config == nil)
        #expect(described(r.diagnostics).contains("net.prototxt:1:1: error: the net's input shape is unknown: give input_shape (or input_dim), an Input layer, or a data layer with crop_size"))
    }
}

@Suite struct CaffeSolverTests {
    let net = "name: \"s\"\n"
        + layer("data", "Data", top: ["data", "label"], "  transform_param { crop_size: 8 mirror: true mean_value: 100 scale: 0.5 }\n  data_param { source: \"train_lmdb\" batch_size: 16 }\n  include { phase: TRAIN }\n")
        + layer("data", "Data", top: ["data", "label"], "  transform_param { crop_size: 8 }\n  data_param { batch_size: 4 }\n  include { phase: TEST }\n")
        + layer("fc", "InnerProduct", bottom: ["data"], "  param { lr_mult: 1 decay_mult: 1 }\n  param { lr_mult: 1 decay_mult: 0 }\n  inner_product_param { num_output: 3 weight_filler { type: \"xavier\" } }\n")
        + layer("loss", "SoftmaxWithLoss", bottom: ["fc", "label"])

    func section(_ solver: String) -> (lines: [String], diagnostics: [String]) {
        let r = CaffeImporter.importNet(text: net, file: "net.prototxt", solver: (solver, "solver.prototxt"))
        guard let text = r.config else { return ([], described(r.diagnostics)) }
        let start = text.range(of: "\ntrain:\n").map { text[$0.lowerBound...] } ?? ""
        return (start.split(separator: "\n").map(String.init), described(r.diagnostics))
    }

    /// `param { lr_mult decay_mult }` become the layers' `lr_mult` and `decay_mult`, and the
    /// imported config trains with the rates the prototxt gives each blob: one SGD step with
    /// gradient 1 everywhere moves each tensor by lr · lr_mult · (1 + weight_decay · decay_mult · w).
    @Test func anImportedNetTrainsWithThePrototxtsPerBlobRates() throws {
        let net = "name: \"m\"\n"
            + layer("data", "Data", top: ["data", "label"], "  transform_param { crop_size: 6 }\n  data_param { batch_size: 4 }\n")
            + layer("conv", "Convolution", bottom: ["data"],
                    "  param { lr_mult: 1 decay_mult: 1 }\n  param { lr_mult: 2 decay_mult: 0 }\n  convolution_param { num_output: 2 kernel_size: 3 weight_filler { type: \"xavier\" } }\n")
            + layer("fc", "InnerProduct", bottom: ["conv"],
                    "  param { lr_mult: 0.1 decay_mult: 2 }\n  param { lr_mult: 0.2 decay_mult: 0 }\n  inner_product_param { num_output: 3 weight_filler { type: \"xavier\" } }\n")
            + layer("loss", "SoftmaxWithLoss", bottom: ["fc", "label"])
        let r = CaffeImporter.importNet(text: net, file: "net.prototxt", solver: ("base_lr: 0.01\nmomentum: 0.9\nweight_decay: 0.05\nmax_iter: 10\n", "solver.prototxt"))
        let text = try #require(r.config, "\(described(r.diagnostics))")
        #expect(text.contains("{name: conv, out: 2, kernel: 3, lr_mult: [1, 2], decay_mult: [1, 0]}"), "\(text)")
        #expect(text.contains("lr_mult: [0.1, 0.2], decay_mult: [2, 0]}"), "\(text)")
        let loaded = ConfigLoader.load(text: text, file: "<imported>")
        let config = try #require(loaded.config, "\(loaded.diagnostics.all)")
        let graph = try #require(GraphBuilder.build(config).graph)
        var store = ParameterStore(graph: graph)
        for i in store.values.indices { store.values[i] = 0.5 }
        var optimizer = try Optimizer(try #require(config.train?.optimizer), parameters: store)
        let gradients = [Float](repeating: 1, count: store.count)
        gradients.withUnsafeBufferPointer { optimizer.step(weights: &store, gradients: $0.baseAddress!, lr: 0.01) }
        let expected: [String: (lr: Double, decay: Double)] = ["conv.weight": (1, 1), "conv.bias": (2, 0), "fc.weight": (0.1, 2), "fc.bias": (0.2, 0)]
        #expect(Set(store.entries.map(\.name)) == Set(expected.keys))
        for e in store.entries {
            let (lrMult, decayMult) = try #require(expected[e.name])
            let step = 0.01 * lrMult * (1 + 0.05 * decayMult * 0.5)
            for v in store.values[e.offset ..< e.offset + e.count] {
                #expect(abs(Double(v) - (0.5 - step)) < 1e-7, "\(e.name): moved by \(0.5 - Double(v)), the prototxt says \(step)")
            }
        }
    }

    @Test func theSolverBecomesTheTrainAndEvalSections() throws {
        let s = section("base_lr: 0.01\nlr_policy: \"multistep\"\ngamma: 0.5\nstepvalue: 100\nstepvalue: 300\nmax_iter: 400\nmomentum: 0.9\nweight_decay: 0.0005\ntest_iter: 10\ntest_interval: 50\nsnapshot: 200\nrandom_seed: 3\nsolver_mode: GPU\n")
        #expect(s.lines == [
            "train:",
            "  steps: 400  # max_iter",
            "  batch: 16",
            "  seed: 3",
            "  optimizer: {type: sgd, lr: 0.01, momentum: 0.9, weight_decay: 0.0005}",
            "  schedule: {policy: multistep, factor: 0.5, at: [100 steps, 300 steps]}",
            "  data: {format: synthetic, scale: 2, mean: 50}  # replace with your data (Caffe read 'train_lmdb')",
            "  augment:",
            "    - random_crop: {size: 8}",
            "    - mirror: {p: 0.5}",
            "  checkpoint: {every: 200 steps}",
            "eval:",
            "  data: {format: synthetic, samples: 40}  # replace with your data",
            "  batch: 4",
            "  every: 50 steps  # test_interval",
        ], "\(s.diagnostics)")
        #expect(s.diagnostics.contains("net.prototxt:2:1: warning: train.data and eval.data are written 'format: synthetic': replace them with your data"))
    }

    @Test(arguments: [
        ("lr_policy: \"step\"\ngamma: 0.1\nstepsize: 1000\n", "  schedule: {policy: step, factor: 0.1, every: 1000 steps}"),
        ("lr_policy: \"exp\"\ngamma: 0.999\n", "  schedule: {policy: exponential, factor: 0.999, every: 1 step}"),
        ("lr_policy: \"poly\"\npower: 0.5\n", "  schedule: {policy: poly, power: 0.5}"),
    ])
    func eachPolicyNetrunCanSayIsTranslated(policy: String, expected: String) {
        let s = section("base_lr: 0.1\nmax_iter: 5000\n" + policy)
        #expect(s.lines.contains(expected), "\(s.lines) \(s.diagnostics)")
    }

    @Test(arguments: ["inv", "sigmoid"])
    func policiesNetrunCannotSayAreAWarningAndFixed(policy: String) {
        let s = section("base_lr: 0.1\nmax_iter: 5000\nlr_policy: \"\(policy)\"\ngamma: 0.0001\npower: 0.75\n")
        #expect(!s.lines.contains { $0.contains("schedule:") })
        #expect(s.diagnostics.contains("solver.prototxt:3:12: warning: lr_policy '\(policy)' has no netrun equivalent: the schedule is written fixed (at base_lr); choose one of step, multistep, exponential, poly, cosine"))
    }

    @Test func adamAndItsSettingsAreTranslated() {
        let s = section("base_lr: 0.001\nmax_iter: 10\ntype: \"Adam\"\nmomentum: 0.8\nmomentum2: 0.99\ndelta: 1e-6\n")
        #expect(s.lines.contains("  optimizer: {type: adam, lr: 0.001, betas: [0.8, 0.99], eps: 1e-06}"), "\(s.lines)")
    }

    @Test(arguments: [
        ("base_lr: 0.1\nmax_iter: 10\nlr_policy: \"step\"\ngamma: 2\nstepsize: 5\n", "solver.prototxt:4:8: error: gamma 2 is above 1: netrun's schedules only decrease the rate"),
        ("base_lr: 0.1\nmax_iter: 10\ntype: \"AdaGrad\"\n", "solver.prototxt:3:7: error: the ADAGRAD solver is not available: netrun offers SGD, Nesterov and Adam"),
        ("base_lr: 0.1\nmax_iter: 10\nlr_policy: \"cyclic\"\n", "solver.prototxt:3:12: error: unknown lr_policy 'cyclic' (fixed, step, multistep, exp, inv, poly, sigmoid)"),
        ("base_lr: 0.1\n", "solver.prototxt:1:1: error: the solver has no max_iter: netrun needs the run's length"),
        ("base_lr: 0.1\nmax_iter: 10\nregularization_type: \"L1\"\n", "solver.prototxt:3:22: error: L1 regularization is not available: netrun's weight decay is L2"),
        ("base_lr: 0.1\nmax_iter: 10\nwarp_speed: 9\n", "solver.prototxt:3:1: error: the importer cannot translate 'warp_speed' in the solver"),
    ])
    func solverErrorsArePositioned(solver: String, expected: String) {
        let s = section(solver)
        #expect(s.lines.isEmpty)
        #expect(s.diagnostics.contains(expected), "\(s.diagnostics)")
    }
}

@Suite struct ImportCommandTests {
    @Test func anImportWithErrorsExitsOneAndWritesNothing() throws {
        try withTemporaryDirectory { dir in
            let net = try write(inputHeader + layer("x", "PReLU", bottom: ["data"]), "bad.prototxt", in: dir)
            let r = netrun(["import", "caffe", net, "-o", "\(dir)/out.yaml"])
            #expect(r.code == 1)
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.yaml"))
            #expect(r.err.contains("\(net):6:9: error: the importer cannot translate layers of type 'PReLU' ('x')\n 6 |   type: \"PReLU\"\n   |         ^\n"), "\(r.err)")
        }
    }

    @Test func theWrittenConfigValidates() throws {
        try withTemporaryDirectory { dir in
            let net = try write(inputHeader + layer("fc", "InnerProduct", bottom: ["data"], "  inner_product_param { num_output: 3 weight_filler { type: \"xavier\" } }\n"), "n.prototxt", in: dir)
            let r = netrun(["import", "caffe", net, "-o", "\(dir)/n.yaml"])
            #expect(r.code == 0, "\(r.err)")
            let v = netrun(["validate", "\(dir)/n.yaml"])
            #expect(v.code == 0 && v.out.contains("ok (2 nodes, 9219 parameters, 1 warning)"), "\(v.out) \(v.err)")
        }
    }
}
