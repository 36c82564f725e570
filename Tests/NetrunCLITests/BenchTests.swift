import Foundation
import Testing
import _NetrunTestSupport
@testable import NetrunCLI
import NetrunKernels

@Suite struct BenchTests {
    /// One timed step: each figure is that step's, so the nodes' times must fit inside the
    /// pass that contains them, and the rates follow from the step times.
    @Test func theProfileAccountsForEveryNodeInsideItsPass() throws {
        let (code, console) = Netrun.run(["bench", try fixturePath("tiny-googlenet.yaml"), "--batch", "4", "--steps", "1", "--format", "json"])
        #expect(code == 0, "\(console.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(console.out.utf8)) as? [String: Any])
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        let (summaryCode, summary) = Netrun.run(["summary", "--format", "json", try fixturePath("tiny-googlenet.yaml")])
        #expect(summaryCode == 0)
        let summaryJSON = try #require(try JSONSerialization.jsonObject(with: Data(summary.out.utf8)) as? [String: Any])
        let graphNodes = try #require(summaryJSON["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["name"] as? String } == graphNodes.map { $0["name"] as? String })

        let forward = try #require(json["forward_ms"] as? Double), backward = try #require(json["backward_ms"] as? Double)
        let step = try #require(json["train_step_ms"] as? Double), infer = try #require(json["infer_step_ms"] as? Double)
        let nodeForward = nodes.compactMap { $0["forward_ms"] as? Double }, nodeBackward = nodes.compactMap { $0["backward_ms"] as? Double }
        #expect(nodeForward.count == nodes.count && nodeBackward.count == nodes.count)
        // JSON rounds the passes to 0.01 ms and nodes to 0.0001 ms.
        let slack: Double = 0.01 + 0.0001 * Double(nodes.count)
        let sumForward: Double = nodeForward.reduce(0, +), sumBackward: Double = nodeBackward.reduce(0, +)
        #expect(sumForward <= forward + slack)
        #expect(sumBackward <= backward + slack)
        #expect(forward + backward <= step + 0.02)
        #expect(nodeForward.contains { $0 > 0 } && nodeBackward.contains { $0 > 0 })
        let trainRate = try #require(json["train_img_s"] as? Double), inferRate = try #require(json["infer_img_s"] as? Double)
        #expect(abs(trainRate - 4 / (step / 1000)) <= 0.01 * trainRate)
        #expect(abs(inferRate - 4 / (infer / 1000)) <= 0.01 * inferRate)

        // GFLOP/s only where there are multiply-adds.
        for (node, graphNode) in zip(nodes, graphNodes) {
            let macs = graphNode["macs"] as? Int ?? 0
            #expect((node["gflop_s"] is Double) == (macs > 0), "\(node)")
            let trainOnly = try #require(node["train_only"] as? Bool)
            // The inference graph drops training-only heads and dropout (identity there).
            if trainOnly || node["op"] as? String == "dropout" {
                #expect(node["inference_ms"] is NSNull, "\(node)")
            } else {
                #expect(node["inference_ms"] is Double, "\(node)")
            }
        }
        #expect(nodes.contains { $0["train_only"] as? Bool == true })
        // Each convolution names its algorithm: 1x1 ones are one product, these 3x3 and 5x5
        // ones (2 to 4 channels, too few for Winograd) im2col; other nodes have none.
        for node in nodes {
            let name = try #require(node["name"] as? String), algorithm = node["algorithm"] as? String
            if node["op"] as? String != "conv" {
                #expect(node["algorithm"] is NSNull, "\(name)")
            } else if name.hasSuffix("1x1") || name.hasSuffix("_reduce") || name.hasSuffix("pool_proj") {
                #expect(algorithm == "gemm", "\(name)")
            } else if name.hasSuffix("3x3") || name.hasSuffix("5x5") {
                #expect(algorithm == "im2col", "\(name)")
            }
        }
        #expect(try #require(json["sgemm_peak_gflop_s"] as? Double) > 0)
        #expect(try #require(json["fma_peak_gflop_s"] as? Double) > 0)
        #expect(try #require(json["peak_rss_bytes"] as? Int) > 1_000_000)
        // The kernels that ran: netrun's loops and OpenBLAS's, by name.
        #expect(json["isa"] as? String == KernelDispatch.isa.description)
        #expect(json["cpu_isa"] as? String == KernelDispatch.cpuISA.description)
        let gemm = try #require(json["gemm"] as? [String: Any])
        #expect(gemm["library"] as? String == "OpenBLAS")
        #expect(gemm["core"] as? String == GEMM.library.core && !(GEMM.library.core.isEmpty))
    }

    @Test func theTextTableNamesEveryNodeAndTheTotals() throws {
        let (code, console) = Netrun.run(["bench", try fixturePath("every-op.yaml"), "--batch", "2", "--steps", "1"])
        #expect(code == 0, "\(console.err)")
        #expect(console.out.contains("node"))
        #expect(console.out.contains("fwd ms  bwd ms"))
        #expect(console.out.contains("\ntraining step "))
        #expect(console.out.contains(" img/s "))
        #expect(console.out.contains("% of FMA peak\n"))
        #expect(console.out.contains("\nFMA peak "))
        #expect(console.out.contains("\nsgemm "))
        #expect(console.out.contains("\nkernels        netrun's loops \(KernelDispatch.isa)"))
        #expect(console.out.contains("OpenBLAS, \(GEMM.library.core) kernels"))
        #expect(console.out.contains("\npeak memory "))
    }
}
