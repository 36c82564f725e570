import Foundation
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

/// `netrun check`: per-node problems cover every op and option, ReLU and max pooling included.
@Suite struct CheckCommandTests {
    @Test(arguments: ["every-op.yaml", "tiny-googlenet.yaml", "new-ops.yaml"])
    func everyNodeOfTheFixturesPasses(fixture: String) throws {
        let r = netrun(["check", try fixturePath(fixture)])
        #expect(r.code == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("ok: every gradient within 0.01 (relative)"))
    }

    @Test func everyOpKindIsReported() throws {
        let r = netrun(["check", try fixturePath("every-op.yaml")])
        for op in ["conv", "lrn", "maxpool", "concat", "batchnorm", "tanh", "avgpool", "dense", "loss", "flatten", "sigmoid", "dropout", "softmax"] {
            #expect(r.out.contains("\n\(op) "), "no summary line for \(op)")
        }
    }

    @Test func theNewOpsAreReported() throws {
        let r = netrun(["check", try fixturePath("new-ops.yaml")])
        for op in ["scale", "leaky_relu", "add", "shortcut"] {
            #expect(r.out.contains("\n\(op) "), "no summary line for \(op)")
        }
    }

    @Test(arguments: ["alexnet", "googlenet", "fashion-alexnet", "fashion-googlenet", "fashion-resnet"])
    func theProjectConfigsPass(model: String) {
        let r = netrun(["check", configPath(model)])
        #expect(r.code == 0, "\(r.out)\(r.err)")
    }

    /// A shortcut's problem keeps which input is larger along each axis, by how much, and
    /// which has more channels; both inputs are convolutions of one input image.
    @Test func aShortcutsMiniProblemKeepsItsRatios() throws {
        let graph = try loadGraph(try fixturePath("new-ops.yaml"))
        for (name, main, added) in [("short_down", [3, 2, 2], [2, 4, 4]), ("short_up", [3, 4, 4], [4, 2, 2])] {
            let node = try #require(graph.node(named: name))
            let mini = try #require(MiniProblem.make(for: node.id, in: graph))
            #expect(mini.nodes.map(\.op.keyword) == ["input", "conv", "conv", "shortcut"])
            #expect(mini[1].shape.dims == main && mini[2].shape.dims == added, "\(name)")
            #expect(mini[3].shape.dims == main && mini.output == 3)
        }
    }

    @Test func miniProblemsKeepTheOpsSettings() throws {
        let graph = try loadGraph(configPath("alexnet"))
        let conv2 = try #require(graph.node(named: "conv2"))
        let mini = try #require(MiniProblem.make(for: conv2.id, in: graph))
        guard case .conv(let c) = mini[1].op else { Issue.record("not a conv"); return }
        #expect(c.groups == 2 && c.kernel.h == 5 && c.pad.h == 2)
        #expect(mini.inputShape.channels == 4 && mini[1].shape.channels == 4)
    }
}
