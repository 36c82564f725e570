import Foundation
import NetrunKernels
import Testing
import _NetrunTestSupport

/// The environment variables that choose kernels, as a user sets them: NETRUN_ISA is checked
/// at start-up (exit 2 with the accepted names), and a forced OpenBLAS kernel narrower than the
/// CPU's is kept but named on standard error with its fix.
@Suite(.enabled(if: ConsoleTests.executable != nil))
struct KernelEnvironmentTests {
    @Test func anUnknownOrUnrunnableISAIsRefusedAtStartUp() throws {
        let netrun = try #require(ConsoleTests.executable)
        let bad = try DistributedTrainTests.run([netrun, "summary", configPath("fashion-alexnet")], environment: ["NETRUN_ISA": "avx9"])
        #expect(bad.status == 2)
        #expect(bad.err == "error: NETRUN_ISA must be one of scalar, avx2, avx512\n", "\(bad.err)")
        let scalar = try DistributedTrainTests.run([netrun, "summary", configPath("fashion-alexnet")], environment: ["NETRUN_ISA": "scalar"])
        #expect(scalar.status == 0 && scalar.out.contains("1,106,794"), "\(scalar.err)")
        if KernelDispatch.cpuISA < .avx512 {
            let above = try DistributedTrainTests.run([netrun, "summary", configPath("fashion-alexnet")], environment: ["NETRUN_ISA": "avx512"])
            #expect(above.status == 2 && above.err.contains("asks for more than this CPU runs"), "\(above.err)")
        }
    }

    @Test func aForcedNarrowerOpenBLASKernelIsKeptAndNamedWithItsFix() throws {
        let netrun = try #require(ConsoleTests.executable)
        let r = try DistributedTrainTests.run([netrun, "bench", try fixturePath("every-op.yaml"), "--batch", "2", "--steps", "1"],
                                              environment: ["OPENBLAS_CORETYPE": "Prescott"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("OpenBLAS, Prescott kernels (OPENBLAS_CORETYPE=Prescott)"), "\(r.out)")
        let wantsMore = GEMM.Library.level(ofCore: GEMM.library.wanted) > 0
        #expect(r.err.contains("warning: matrix products run OpenBLAS's Prescott kernels") == wantsMore, "\(r.err)")
        if wantsMore { #expect(r.err.contains("To fix: unset OPENBLAS_CORETYPE"), "\(r.err)") }
    }

    /// The warning is about speed, so it comes only once a command is about to compute: a
    /// mistake in its inputs is reported alone, and under mpirun rank 0 alone warns.
    @Test func aMistakeInTheInputsIsReportedWithoutTheKernelWarning() throws {
        let netrun = try #require(ConsoleTests.executable)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kernel-env-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = "\(dir)/missing.yaml", config = try fixturePath("every-op.yaml")
        let runs: [[String]] = [
            ["bench", missing], ["check", missing], ["train", missing, "--out", "\(dir)/run"],
            ["eval", config, "--weights", "\(dir)/none.safetensors"],
            ["predict", config, "--weights", "\(dir)/none.safetensors", "--input", "\(dir)/none.npy", "--output", "\(dir)/y.npy"],
        ]
        for arguments in runs {
            let r = try DistributedTrainTests.run([netrun] + arguments, environment: ["OPENBLAS_CORETYPE": "Prescott"])
            #expect([1, 2].contains(r.status), "\(arguments): \(r.err)")  // a config error 1, a file error 2
            #expect(r.err.contains("error:") && !r.err.contains("warning: matrix products"), "\(arguments): \(r.err)")
        }
    }
}
