import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport
@testable import NetrunRunner

/// `RunSummary`: a run directory's metrics.jsonl in a few numbers.
@Suite struct RunSummaryTests {
    /// Three logged steps and two evaluations, the best one first.
    static let lines = [
        #"{"step":10,"epoch":1,"epoch_progress":0.5,"examples":1280,"loss":2.1,"loss/main":2.1,"lr":0.05,"img_s":500.5}"#,
        #"{"step":20,"epoch":1,"epoch_progress":1,"examples":2560,"loss":1.9,"loss/main":1.9,"lr":0.05,"img_s":610.25}"#,
        #"{"step":20,"epoch":1,"val_loss":0.75,"val_top1":0.9108,"val_top5":0.99,"val_examples":100}"#,
        #"{"step":30,"epoch":2,"epoch_progress":1.5,"examples":3840,"loss":1.7,"loss/main":1.7,"lr":0.025,"img_s":580}"#,
        #"{"step":40,"epoch":2,"val_loss":0.7,"val_top1":0.9001,"val_top5":0.995,"val_examples":100}"#,
    ]

    private func summary(_ text: String) throws -> RunSummary {
        try withTemporaryDirectory { dir in
            try text.write(toFile: "\(dir)/metrics.jsonl", atomically: true, encoding: .utf8)
            return try RunSummary.read(runDirectory: dir)
        }
    }

    @Test func finalAndBestAreTheLastAndTheHighestEvaluation() throws {
        let s = try summary(Self.lines.joined(separator: "\n") + "\n")
        #expect(s.steps == 40 && s.epochs == 2 && s.evaluations == 2)
        #expect(s.finalTop1 == 0.9001 && s.finalLoss == 0.7)
        #expect(s.bestTop1 == 0.9108 && s.bestStep == 20)
        // The median of 500.5, 580 and 610.25, as written.
        #expect(s.imagesPerSecond == 580)
    }

    @Test func aPartialLastLineIsLeftOut() throws {
        // A run still writing: its last line is cut off in the middle (no newline yet).
        let cut = String(Self.lines[4].prefix(30))
        let s = try summary(Self.lines[0 ..< 4].joined(separator: "\n") + "\n" + cut)
        #expect(s.steps == 30 && s.evaluations == 1)
        #expect(s.finalTop1 == 0.9108 && s.bestStep == 20)
        #expect(s.imagesPerSecond == 580)   // of 500.5, 580, 610.25
        // The median of an even count is the mean of the middle two.
        let two = try summary(Self.lines[0 ..< 2].joined(separator: "\n") + "\n")
        #expect(two.imagesPerSecond == (500.5 + 610.25) / 2)
        #expect(two.evaluations == 0 && two.finalTop1 == nil && two.bestStep == nil && two.epochs == 1)
    }

    @Test func aRunWithoutMetricsHasAnEmptySummary() throws {
        try withTemporaryDirectory { dir in
            #expect(try RunSummary.read(runDirectory: dir) == RunSummary())
            #expect(RunSummary().steps == nil && RunSummary().evaluations == nil)
            // An empty file: a run that has logged nothing yet, with no evaluations.
            try Data().write(to: URL(fileURLWithPath: "\(dir)/metrics.jsonl"))
            let empty = try RunSummary.read(runDirectory: dir)
            #expect(empty.evaluations == 0 && empty.steps == nil)
        }
    }

    @Test func anUnreadableFileIsAFileErrorNamingIt() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/metrics.jsonl", withIntermediateDirectories: false)
            #expect(throws: FileError(path: "\(dir)/metrics.jsonl", kind: .notARegularFile,
                                      message: "cannot read the file: it is a directory, not a regular file")) {
                try RunSummary.read(runDirectory: dir)
            }
        }
        let error = try #require(throws: FileError.self) {
            try summary(Self.lines[0] + "\n{\"step\": \"ten\"}\n" + Self.lines[1] + "\n")
        }
        #expect(error.kind == .format && error.path.hasSuffix("/metrics.jsonl:2"), "\(error)")
    }
}
