import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

/// `netrun predict` end to end (here rather than in NetrunCLITests: it needs this target's fixtures).
@Suite struct PredictCommandTests {
    let reference: String
    let config = configPath("fashion-alexnet")

    init() throws { reference = try fixturePath("fashion-alexnet") }

    func predict(weights: String? = nil, input: String? = nil, output: String, extra: [String] = []) -> (code: Int32, out: String, err: String) {
        netrun(["predict", config, "--weights", weights ?? "\(reference)/weights.safetensors",
                "--input", input ?? "\(reference)/input.npy", "--output", output] + extra)
    }

    @Test func writesTheLogitsAsNpy() throws {
        try withTemporaryDirectory { dir in
            let r = predict(output: "\(dir)/y.npy")
            #expect(r.code == 0, "\(r.err)")
            let y = try NPY.read(path: "\(dir)/y.npy"), expected = try NPY.read(path: "\(reference)/output.npy")
            #expect(y.shape == [2, 10])
            #expect(relativeError(y.values, expected.values) < 1e-4)
        }
    }

    @Test func writesANamedNodesOutput() throws {
        try withTemporaryDirectory { dir in
            let r = predict(output: "\(dir)/y.npy", extra: ["--node", "pool5", "--batch", "1"])
            #expect(r.code == 0, "\(r.err)")
            let y = try NPY.read(path: "\(dir)/y.npy")
            #expect(y.shape == [2, 128, 2, 2])
        }
    }

    /// Each bad weights file: exit 2, and a message that names the file and the problem.
    @Test func badWeightFilesAreReportedByName() throws {
        let good = try Data(contentsOf: URL(fileURLWithPath: "\(reference)/weights.safetensors"))
        let graph = try loadGraph(config)
        var store = ParameterStore(graph: graph)
        try store.load(path: "\(reference)/weights.safetensors")
        let tensors = store.namedTensors
        try withTemporaryDirectory { dir in
            func write(_ name: String, _ data: Data) throws -> String {
                try data.write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
                return "\(dir)/\(name)"
            }
            func write(_ name: String, _ t: [NamedTensor]) throws -> String {
                try Safetensors.write(t, to: "\(dir)/\(name)")
                return "\(dir)/\(name)"
            }
            var renamed = tensors
            renamed[0].name = "conv_1.weight"
            var reshaped = tensors
            reshaped[2].shape = [128, 48, 5, 5 / 5]
            reshaped[2].values = Array(reshaped[2].values.prefix(128 * 48 * 5))
            let cases: [(String, String)] = [
                (try write("truncated.safetensors", good.prefix(1_000_000)), "beyond the end of the 998744-byte data buffer (file truncated?)"),
                (try write("empty.safetensors", Data()), "the file is empty"),
                (try write("text.safetensors", Data("hello world, not weights\n".utf8)), "(not a safetensors file?)"),
                (try write("renamed.safetensors", renamed), "unexpected tensor 'conv_1.weight' with shape [48, 1, 5, 5]: the model has no such parameter; did you mean 'conv1.weight'?"),
                (try write("missing.safetensors", Array(tensors.dropLast())), "missing tensor 'fc8.bias' (the model expects shape [10])"),
                (try write("extra.safetensors", tensors + [NamedTensor(name: "fc9.bias", shape: [10], values: .init(repeating: 0, count: 10))]),
                 "unexpected tensor 'fc9.bias' with shape [10]"),
                (try write("reshaped.safetensors", reshaped), "tensor 'conv2.weight' has shape [128, 48, 5, 1] in the file, but the model expects [128, 24, 5, 5]"),
            ]
            for (path, message) in cases {
                let r = predict(weights: path, output: "\(dir)/y.npy")
                #expect(r.code == 2, "\(path)")
                #expect(r.err.hasPrefix("\(path): error: "), "\(r.err)")
                #expect(r.err.contains(message), "\(r.err)")
            }
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/y.npy"), "no output after a failure")
            let renamedRun = predict(weights: "\(dir)/renamed.safetensors", output: "\(dir)/y.npy")
            #expect(renamedRun.err.contains("missing tensor 'conv1.weight' (the model expects shape [48, 1, 5, 5])"))
        }
    }

    @Test func badInputFilesAreReportedByName() throws {
        let good = try Data(contentsOf: URL(fileURLWithPath: "\(reference)/input.npy"))
        try withTemporaryDirectory { dir in
            try NPY.write(NPYArray(shape: [2, 3, 28, 28], values: .init(repeating: 0, count: 2 * 3 * 784)), to: "\(dir)/shape.npy")
            try NPY.write(NPYArray(shape: [784], values: .init(repeating: 0, count: 784)), to: "\(dir)/flat.npy")
            // numpy.save(np.zeros(2), 'f8.npy'): dtype float64.
            var f8 = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
            var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
            header += String(repeating: " ", count: 128 - 10 - header.count - 1) + "\n"
            f8.append(contentsOf: [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
            f8.append(Data(header.utf8))
            f8.append(Data(count: 16))
            try f8.write(to: URL(fileURLWithPath: "\(dir)/f8.npy"))
            try good.prefix(500).write(to: URL(fileURLWithPath: "\(dir)/truncated.npy"))
            let cases: [(String, String)] = [
                ("shape.npy", "error: the input has shape [2, 3, 28, 28], but '\(config)' takes N x 1 x 28 x 28 (float32, N >= 1)"),
                ("flat.npy", "error: the input has shape [784], but '\(config)' takes N x 1 x 28 x 28"),
                ("f8.npy", "error: array has dtype '<f8'; netrun reads little-endian float32 ('<f4') only"),
                ("truncated.npy", "error: data is truncated: shape (2, 1, 28, 28) needs 6272 bytes, found 372"),
                ("absent.npy", "absent.npy: error:"),
            ]
            for (name, message) in cases {
                let r = predict(input: "\(dir)/\(name)", output: "\(dir)/y.npy")
                #expect(r.code == 2, "\(name)")
                #expect(r.err.hasPrefix("\(dir)/\(name): error: "), "\(r.err)")
                #expect(r.err.contains(message), "\(r.err)")
            }
        }
    }

    @Test func unknownOrDroppedNodesAreExplained() throws {
        try withTemporaryDirectory { dir in
            let unknown = predict(output: "\(dir)/y.npy", extra: ["--node", "fc9"])
            #expect(unknown.code == 2)
            #expect(unknown.err == "error: --node: no node named 'fc9'; did you mean 'fc6'?\n")
            let dropout = predict(output: "\(dir)/y.npy", extra: ["--node", "dropout_1"])
            #expect(dropout.err == "error: --node: 'dropout_1' is dropout, the identity at inference: ask for its input 'fc6'\n")
        }
    }
}
