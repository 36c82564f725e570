import Foundation
import NetrunFormats
@testable import NetrunRunner
import Testing

/// `netrun sweep`'s plan: what a `--set` tries, the product or zip of the axes, and run
/// directory names that depend only on the values, never on the order of the `--set`s.
@Suite struct SweepPlanTests {
    static func axis(_ text: String) throws(SweepError) -> SweepAxis { try SweepAxis.parse(text) }

    @Test func aListSplitsAtCommasOutsideBracketsBracesAndQuotes() throws {
        #expect(try Self.axis("train.optimizer.lr=0.1, 0.05,0.01") == SweepAxis(key: "train.optimizer.lr", values: ["0.1", "0.05", "0.01"]))
        #expect(try Self.axis("model.input=[1, 28, 28],[1, 32, 32]").values == ["[1, 28, 28]", "[1, 32, 32]"])
        #expect(try Self.axis("train.schedule={policy: step, every: 2},{policy: cosine}").values
                == ["{policy: step, every: 2}", "{policy: cosine}"])
        #expect(try Self.axis("name='a,b',c").values == ["'a,b'", "c"])
        #expect(try Self.axis("train.batch=64").values == ["64"])
    }

    @Test func rangesKeepTheirEndsAsWrittenAndSpaceTheRest() throws {
        #expect(try Self.axis("train.optimizer.lr=1e-3..1e-1 log 5").values == ["1e-3", "0.003162", "0.01", "0.03162", "1e-1"])
        #expect(try Self.axis("train.optimizer.momentum=0.5..0.9 lin 3").values == ["0.5", "0.7", "0.9"])
        #expect(try Self.axis("a=0..1 lin 2").values == ["0", "1"])
    }

    @Test func malformedSetsAreRefusedNamingTheArgument() {
        for (text, phrase) in [("lr", "write key.path=value"), ("=1,2", "malformed key path"), ("a..b=1", "malformed key path"),
                               ("a=1,,2", "an empty value"), ("a=1,", "an empty value"),
                               ("a=0..1 log 3", "two positive ends"), ("a=x..1 lin 3", "must be numbers"),
                               ("a=1..2 lin 1", "from 2 to"), ("a=1..2 lin 5000", "from 2 to"), ("a=1..2 log", "a range is written")] {
            do {
                _ = try Self.axis(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains(phrase), "\(text): \(error.description)")
                #expect(error.description.contains("--set") || phrase == "malformed key path", "\(text): \(error.description)")
            }
        }
    }

    @Test func theProductVariesTheFirstAxisSlowestAndFixedValuesApplyToEveryRun() throws {
        let plan = try SweepPlan(axes: [try Self.axis("train.optimizer.lr=0.1,0.01"), try Self.axis("train.batch=32"),
                                        try Self.axis("train.augment.0.mirror.p=0,0.5,1")], zip: false)
        #expect(plan.runs.count == 6)
        #expect(plan.fixed.map(\.key) == ["train.batch"])
        #expect(plan.runs.map(\.name) == ["lr=0.1,p=0", "lr=0.1,p=0.5", "lr=0.1,p=1", "lr=0.01,p=0", "lr=0.01,p=0.5", "lr=0.01,p=1"])
        #expect(plan.runs[1].overrides == ["train.batch=32", "train.optimizer.lr=0.1", "train.augment.0.mirror.p=0.5"])
        #expect(plan.runs[1].values == ["train.optimizer.lr": "0.1", "train.augment.0.mirror.p": "0.5"])
    }

    @Test func theSameValuesMakeTheSameDirectoriesWhateverTheOrderOfTheSets() throws {
        let a = try SweepPlan(axes: [try Self.axis("train.optimizer.lr=0.1,0.01"), try Self.axis("train.seed=1,2")], zip: false)
        let b = try SweepPlan(axes: [try Self.axis("train.seed=1,2"), try Self.axis("train.optimizer.lr=0.1,0.01")], zip: false)
        #expect(Set(a.runs.map(\.name)) == Set(b.runs.map(\.name)))
        for run in a.runs {
            let other = try #require(b.runs.first { $0.name == run.name })
            #expect(Set(other.overrides) == Set(run.overrides))
        }
    }

    @Test func zipPairsTheIthValuesAndNeedsEqualLengths() throws {
        let plan = try SweepPlan(axes: [try Self.axis("train.optimizer.lr=0.1,0.01"), try Self.axis("train.batch=64,128")], zip: true)
        #expect(plan.runs.map(\.name) == ["batch=64,lr=0.1", "batch=128,lr=0.01"])
        #expect(throws: SweepError.self) {
            try SweepPlan(axes: [try Self.axis("train.optimizer.lr=0.1,0.01"), try Self.axis("train.batch=64,128,256")], zip: true)
        }
    }

    @Test func seedsAddAnAxisFromTheConfigsSeed() throws {
        let plan = try SweepPlan(axes: [try Self.axis("train.optimizer.lr=0.1,0.01")], zip: false, seeds: 3, baseSeed: 7)
        #expect(plan.runs.count == 6)
        #expect(plan.runs.prefix(3).map(\.name) == ["lr=0.1,seed=7", "lr=0.1,seed=8", "lr=0.1,seed=9"])
        #expect(throws: SweepError.self) { try SweepPlan(axes: [try Self.axis("train.seed=1,2")], zip: false, seeds: 2) }
        #expect(throws: SweepError.self) { try SweepPlan(axes: [try Self.axis("a=1,2"), try Self.axis("a=3,4")], zip: false) }
    }

    @Test func labelsAreTheShortestSuffixThatTellsKeysApart() {
        #expect(SweepPlan.labels(["train.optimizer.lr", "train.seed"]) == ["lr", "seed"])
        #expect(SweepPlan.labels(["model.layers.c1.out", "model.layers.c2.out"]) == ["c1.out", "c2.out"])
        #expect(SweepPlan.labels(["a.p", "b.p", "q"]) == ["a.p", "b.p", "q"])
    }

    @Test func namesOnlyHoldSafeCharactersAndKeepDifferentValuesApart() throws {
        let plan = try SweepPlan(axes: [try Self.axis("model.input=[1, 28, 28],[1_ 28_ 28]")], zip: false)
        let names = plan.runs.map(\.name)
        #expect(Set(names).count == 2)
        for n in names {
            #expect(n.allSatisfy { $0.isLetter || $0.isNumber || "._+-=,".contains($0) }, "\(n)")
            #expect(!n.hasPrefix("."))
        }
        let long = try SweepPlan(axes: [try Self.axis("a=\(String(repeating: "x", count: 200)),y")], zip: false)
        #expect(long.runs.allSatisfy { $0.name.utf8.count <= 120 })
        #expect(try SweepPlan(axes: [], zip: false).runs.map(\.name) == ["run"])
        #expect(throws: SweepError.self) { try SweepPlan(axes: [try Self.axis("a=1,1")], zip: false) }
    }

    @Test func aRecordSurvivesItsFileAndAStrangerIsRefused() throws {
        let dir = NSTemporaryDirectory() + "netrun-sweep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try SweepRecord.read(directory: dir) == nil)
        let plan = try SweepPlan(axes: [try Self.axis("train.seed=1,2")], zip: false)
        let record = SweepRecord(config: "c.yaml", plan: plan, runs: ["seed=1": SweepRunRecord(configHash: "ab", status: .finished, exitCode: 0,
                                                                                                   seconds: 3, attempts: 1)])
        try record.write(directory: dir)
        #expect(try SweepRecord.read(directory: dir) == record)
        try Data("{\"version\": 1}".utf8).write(to: URL(fileURLWithPath: "\(dir)/sweep.json"))
        do {
            _ = try SweepRecord.read(directory: dir)
            Issue.record("a sweep file without a plan was read")
        } catch {
            #expect(error.kind == .format && error.message.contains("not a netrun sweep file"), "\(error)")
        }
    }
}
