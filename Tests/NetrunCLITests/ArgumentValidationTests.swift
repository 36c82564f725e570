import Foundation
import Testing
import _NetrunTestSupport

/// Numeric options out of range are usage errors (exit 2) naming the option, found by
/// argument-parser's `validate()` before any file is read.
@Suite struct ArgumentValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var arguments: [String]
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = {
        let config = configPath("fashion-alexnet")
        let predict = ["predict", config, "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy"]
        return [
            Case(arguments: ["check", config, "--samples", "0"], message: "--samples must be from 1 to 10000 (got 0)"),
            Case(arguments: ["check", config, "--samples=-1"], message: "--samples must be from 1 to 10000 (got -1)"),
            // Written apart, argument-parser takes "-1" for an option: a usage error too.
            Case(arguments: ["check", config, "--samples", "-1"], message: "Missing value for '--samples <samples>'"),
            Case(arguments: ["check", config, "--samples", "10001"], message: "--samples must be from 1 to 10000 (got 10001)"),
            Case(arguments: ["bench", config, "--batch", "0"], message: "--batch must be at least 1 (got 0)"),
            Case(arguments: ["bench", config, "--batch=-5"], message: "--batch must be at least 1 (got -5)"),
            Case(arguments: ["bench", config, "--steps", "0"], message: "--steps must be from 1 to 1000000 (got 0)"),
            Case(arguments: ["bench", config, "--steps=-1"], message: "--steps must be from 1 to 1000000 (got -1)"),
            Case(arguments: ["bench", config, "--steps", "1000001"], message: "--steps must be from 1 to 1000000 (got 1000001)"),
            Case(arguments: predict + ["--batch", "0"], message: "--batch must be at least 1 (got 0)"),
            Case(arguments: predict + ["--batch=-3"], message: "--batch must be at least 1 (got -3)"),
        ]
    }()

    @Test(arguments: cases)
    func anOutOfRangeOptionIsAUsageError(_ c: Case) {
        let r = netrun(c.arguments)
        #expect(r.code == 2, "\(r.out)\(r.err)")
        #expect(r.err.contains(c.message), "\(r.err)")
        #expect(r.out.isEmpty, "nothing ran: \(r.out)")
    }

    @Test func theCheckOfOneSampleStillRuns() throws {
        let r = netrun(["check", try fixturePath("every-op.yaml"), "--samples", "1"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("ok: every gradient within"))
    }
}
