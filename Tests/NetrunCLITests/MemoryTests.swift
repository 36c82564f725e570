import Foundation
import Testing
import _NetrunTestSupport
@testable import NetrunBackend
@testable import NetrunCLI

/// Plans larger than the machine are refused before anything is allocated.
@Suite struct MemoryTests {
    /// The GB figures of a refusal: what is needed, then what the machine has.
    func figures(_ message: String) -> [Double] {
        errorLine(message).matches(of: /([0-9]+\.[0-9]) GB/).compactMap { Double($0.output.1) }
    }

    /// The refusal's line of the standard error: other lines may come before it (the warning
    /// of a forced narrower GEMM kernel, under .ci/cpus).
    func errorLine(_ err: String) -> String {
        err.split(separator: "\n").first { $0.contains("error: ") }.map(String.init) ?? ""
    }

    @Test func benchRefusesABatchLargerThanTheMachine() throws {
        let r = netrun(["bench", try fixturePath("every-op.yaml"), "--batch", "100000000", "--steps", "1"])
        #expect(r.code == 2, "\(r.err)")
        #expect(errorLine(r.err).hasPrefix("error: --batch 100000000 needs "), "\(r.err)")
        #expect(errorLine(r.err).hasSuffix(" GB (physical memory)"), "\(r.err)")
        let gb = figures(r.err)
        try #require(gb.count == 2, "\(r.err)")
        // At least the input batch alone: 10^8 images of 3x9x9 float32 = 97.2 GB.
        #expect(gb[0] >= 97.2)
        #expect(abs(gb[1] - Double(ProcessInfo.processInfo.physicalMemory) / 1e9) < 0.1)
    }

    @Test func benchRefusesABatchWhoseSizeOverflows() throws {
        let r = netrun(["bench", try fixturePath("every-op.yaml"), "--batch", "4611686018427387904", "--steps", "1"])
        #expect(r.code == 2, "\(r.err)")
        #expect(errorLine(r.err).hasPrefix("error: --batch 4611686018427387904 needs more than 9223372036.9 GB of memory, more than this machine's "), "\(r.err)")
        #expect(figures(r.err).count == 2)
    }

    @Test func predictChunksAHugeBatchToTheInputAndRuns() throws {
        let reference = try fixturePath("fashion-alexnet")
        try withTemporaryDirectory { dir in
            let r = netrun(["predict", configPath("fashion-alexnet"), "--weights", "\(reference)/weights.safetensors",
                            "--input", "\(reference)/input.npy", "--output", "\(dir)/y.npy", "--batch", "4611686018427387904"])
            #expect(r.code == 0, "\(r.err)")
        }
    }

    @Test func predictRefusesAnInputLargerThanTheMachine() throws {
        let reference = try fixturePath("fashion-alexnet")
        try withTemporaryDirectory { dir in
            // A sparse file one byte larger than the physical memory (no disk space used).
            let path = "\(dir)/huge.npy"
            try Data([0x93]).write(to: URL(fileURLWithPath: path))
            let size = Int(ProcessInfo.processInfo.physicalMemory) + 1
            try #require(truncate(path, off_t(size)) == 0)
            let r = netrun(["predict", configPath("fashion-alexnet"), "--weights", "\(reference)/weights.safetensors",
                            "--input", path, "--output", "\(dir)/y.npy"])
            #expect(r.code == 2, "\(r.err)")
            #expect(errorLine(r.err).hasPrefix("\(path): error: the input file is "), "\(r.err)")
            #expect(r.err.contains("of physical memory"), "\(r.err)")
            #expect(figures(r.err).count == 2)
        }
    }

    /// The executor allocates exactly what `planBytes` reports (a buffer added to one and
    /// not the other fails here).
    @Test(arguments: [ExecutionMode.inference, .evaluation, .training], [1, 3])
    func planBytesIsWhatTheExecutorAllocates(mode: ExecutionMode, batch: Int) throws {
        for graph in [try loadGraph(try fixturePath("every-op.yaml")), try loadGraph(try fixturePath("tiny-googlenet.yaml"))] {
            let e = Executor(graph: graph, batch: batch, mode: mode, parameters: ParameterStore(graph: graph))
            let allocated = 4 * e.floats.count + 4 * e.ints.count + e.bytes.count
                + 4 * e.parameterGradients.count + 4 * e.labelStorage.count + 4 * e.mixLabelStorage.count + 4 * e.lossStorage.count
                + MemoryLayout<Int>.stride * e.correctStorage.count
            #expect(Executor.planBytes(graph: graph, batch: batch, mode: mode) == allocated)
        }
    }

    @Test(arguments: ["alexnet", "googlenet", "fashion-alexnet", "fashion-googlenet"])
    func theParameterCountMatchesTheStore(model: String) throws {
        let graph = try loadGraph(configPath(model))
        #expect(Executor.parameterStoreCount(graph) == ParameterStore(graph: graph).count)
    }

    /// Under mpirun each rank plans batch / ranks examples: the check counts that plan once
    /// per rank on this machine (the ranks elsewhere use their own machines' memory), where it
    /// counted the global batch's plan.
    @Test func trainingChecksEachRanksShareTimesTheRanksOnThisMachine() throws {
        let graph = try loadGraph(configPath("fashion-alexnet"))
        let physical = MemoryCheck.physicalBytes
        func need(_ batch: Int) throws -> Int { try #require(Executor.requiredBytes(graph: graph, batch: batch, mode: .training)) }
        // The largest batch (a multiple of 4) whose plan fits, then 4 times it: too much for
        // one process, a quarter of it for each of 4 ranks.
        var fits = 4
        while try need(2 * fits) <= physical && 2 * fits <= 65536 { fits *= 2 }
        let global = 4 * fits
        try #require(try need(global) > physical, "this machine trains batch \(global) in one process")
        let alone = try #require(MemoryCheck.training(graph: graph, batch: global, ranks: 1, ranksHere: 1))
        #expect(alone.hasPrefix("error: training at batch \(global) needs "), "\(alone)")
        #expect(MemoryCheck.training(graph: graph, batch: global, ranks: 4, ranksHere: 1) == nil)
        let together = try #require(MemoryCheck.training(graph: graph, batch: global, ranks: 4, ranksHere: 4))
        #expect(together.hasPrefix("error: training at batch \(global) over 4 ranks (\(fits) examples each, 4 of the ranks on this machine) needs \(MemoryCheck.gigabytes(4 * (try need(fits)))) of memory"), "\(together)")
        // A batch that does not split is the trainer's to refuse, with its own message.
        #expect(MemoryCheck.training(graph: graph, batch: global + 1, ranks: 4, ranksHere: 1) == nil)
    }

    @Test func theRanksOnThisMachineAreWhatTheLauncherSays() {
        #expect(MemoryCheck.ranksOnThisMachine(ranks: 4, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"]) == 2)
        #expect(MemoryCheck.ranksOnThisMachine(ranks: 4, environment: ["MPI_LOCALNRANKS": "3"]) == 3)
        #expect(MemoryCheck.ranksOnThisMachine(ranks: 4, environment: [:]) == 4)
        #expect(MemoryCheck.ranksOnThisMachine(ranks: 4, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "many"]) == 4)
        #expect(MemoryCheck.ranksOnThisMachine(ranks: 1, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "8"]) == 1)
    }

    @Test func requiredBytesCoversTheWeightsTheOptimizerAndTheInput() throws {
        let graph = try loadGraph(configPath("alexnet"))
        let parameters = ParameterStore(graph: graph).count, image = 3 * 227 * 227
        let training = try #require(Executor.requiredBytes(graph: graph, batch: 8, mode: .training))
        // Weights, their gradients, SGD's velocity, and two copies of the input batch (the
        // caller's and the plan's), at least.
        #expect(training >= 4 * (3 * parameters + 2 * 8 * image))
        let inference = try #require(Executor.requiredBytes(graph: graph, batch: 8, mode: .inference))
        #expect(inference < training)
        #expect(Executor.requiredBytes(graph: graph, batch: 1 << 60, mode: .inference) == nil)
        #expect(Executor.requiredBytes(graph: graph, batch: 0, mode: .inference) == nil)
    }
}
