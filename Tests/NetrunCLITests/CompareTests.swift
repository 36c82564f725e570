import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import _NetrunTestSupport
@testable import NetrunCLI

/// `netrun compare`: the config keys that differ between runs, their metrics side by side,
/// their curves overlaid; and what it says about directories that are not runs.
@Suite struct CompareTests {
    /// The JSON output's object.
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    /// The `differences` of the JSON output as (key, values) with nil for null.
    static func differences(_ object: [String: Any]) throws -> [(key: String, values: [String?])] {
        let list = try #require(object["differences"] as? [[String: Any]])
        return try list.map { d in
            let values = try #require(d["values"] as? [Any])
            return (try #require(d["key"] as? String), values.map { $0 as? String })
        }
    }

    @Test func twoRunsDifferingInOneInsertedKeyAndOneChangedValueShowExactlyTwoDifferences() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(TrainCommandTests.config(epochs: 1), dir)
            try FileManager.default.createDirectory(atPath: "\(dir)/sweep", withIntermediateDirectories: false)
            let a = "\(dir)/sweep/lr=0.05", b = "\(dir)/sweep/lr=0.1,nesterov=true"
            let trainA = netrun(["train", c, "--out", a])
            #expect(trainA.code == 0, "\(trainA.err)")
            // A key the config does not have (inserted) and a value it has (changed).
            let trainB = netrun(["train", c, "--set", "train.optimizer.nesterov=true", "--set", "train.optimizer.lr=0.1", "--out", b])
            #expect(trainB.code == 0, "\(trainB.err)")

            let svg = "\(dir)/compare.svg"
            let text = netrun(["compare", a, b, "--svg", svg])
            #expect(text.code == 0 && text.err.isEmpty, "\(text.err)")
            #expect(text.out.hasPrefix("runs:\n  1  \(a)\n  2  \(b)\n\nconfig: 2 keys differ\n"), "\(text.out)")
            let rows = text.out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(rows.contains(["train.optimizer.lr", "0.05", "0.1"]), "\(text.out)")
            #expect(rows.contains(["train.optimizer.nesterov", "(absent)", "true"]), "\(text.out)")
            // The metrics: 8 steps of one epoch, one evaluation, for each run.
            #expect(rows.filter { $0.count == 9 && ($0[0] == "1" || $0[0] == "2") && $0[1] == "8" && $0[2] == "1" && $0[3] == "1" }.count == 2,
                    "\(text.out)")

            let json = netrun(["compare", a, b, "--format", "json"])
            #expect(json.code == 0, "\(json.err)")
            let object = try Self.json(json.out)
            let d = try Self.differences(object)
            #expect(d.map(\.key) == ["train.optimizer.lr", "train.optimizer.nesterov"])
            #expect(d.map(\.values) == [["0.05", "0.1"], [nil, "true"]])
            let runs = try #require(object["runs"] as? [[String: Any]])
            #expect(runs.compactMap { $0["directory"] as? String } == [a, b])
            for run in runs {
                let summary = try #require(run["summary"] as? [String: Any])
                #expect(summary["steps"] as? Int == 8 && summary["evaluations"] as? Int == 1, "\(summary)")
                let top1 = try #require(summary["final_top1"] as? Double)
                #expect(top1 >= 0 && top1 <= 1 && summary["best_top1"] as? Double == top1)
                #expect((summary["img_s"] as? Double ?? 0) > 0)
            }

            // The sweep directory stands for its runs, by name.
            let sweep = netrun(["compare", "\(dir)/sweep", "--format", "json"])
            #expect(sweep.code == 0, "\(sweep.err)")
            let fromSweep = try Self.json(sweep.out)
            #expect(try Self.differences(fromSweep).map(\.key) == ["train.optimizer.lr", "train.optimizer.nesterov"])
            let sweepRuns = try #require(fromSweep["runs"] as? [[String: Any]])
            #expect(sweepRuns.compactMap { $0["label"] as? String } == ["lr=0.05", "lr=0.1,nesterov=true"])

            // The SVG: well-formed, each panel with one line per run, the legend naming the runs.
            let doc = try XMLDocument(data: Data(contentsOf: URL(fileURLWithPath: svg)))
            #expect(doc.rootElement()?.name == "svg")
            let series = try doc.nodes(forXPath: "//*[local-name()='polyline']").compactMap {
                ($0 as? XMLElement)?.attributes?.first { $0.name == "data-series" || $0.localName == "data-series" }?.stringValue
            }
            #expect(series == ["training loss", "validation top-1", "learning rate"].flatMap { ["\($0)/lr=0.05", "\($0)/lr=0.1,nesterov=true"] })
            let texts = try doc.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
            #expect(texts.contains("small: 2 runs compared") && texts.contains("lr=0.05") && texts.contains("lr=0.1,nesterov=true"))
        }
    }

    /// A run directory with a config and, optionally, metrics (no training needed).
    static func fakeRun(_ path: String, config: String, metrics: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try config.write(toFile: "\(path)/config.yaml", atomically: true, encoding: .utf8)
        if let metrics { try metrics.write(toFile: "\(path)/metrics.jsonl", atomically: true, encoding: .utf8) }
    }

    @Test func runsWithoutMetricsOrDifferencesAreShownAsSuch() throws {
        try withTemporaryDirectory { dir in
            try Self.fakeRun("\(dir)/a", config: "name: x\ntrain: {batch: 8}\n")
            try Self.fakeRun("\(dir)/b", config: "name: x\ntrain:\n  batch: 8\n",
                             metrics: #"{"step":5,"epoch":1,"val_loss":0.5,"val_top1":0.25,"val_examples":4}"# + "\n")
            let r = netrun(["compare", "\(dir)/a", "\(dir)/b"])
            #expect(r.code == 0, "\(r.err)")
            #expect(r.out.contains("config: no differences\n"), "\(r.out)")
            let rows = r.out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(rows.contains(["1", "-", "-", "-", "-", "-", "-", "-", "-"]), "\(r.out)")
            #expect(rows.contains(["2", "5", "1", "1", "25.00%", "25.00%", "5", "0.5000", "-"]), "\(r.out)")
            let json = try Self.json(netrun(["compare", "\(dir)/a", "\(dir)/b", "--format", "json"]).out)
            let runs = try #require(json["runs"] as? [[String: Any]])
            let first = try #require(runs.first?["summary"] as? [String: Any])
            #expect(first["steps"] is NSNull && first["final_top1"] is NSNull)
        }
    }

    @Test func whatIsNotARunIsAnErrorNamingThePath() throws {
        try withTemporaryDirectory { dir in
            try Self.fakeRun("\(dir)/good", config: "name: x\n")
            try Self.fakeRun("\(dir)/other", config: "name: y\n")
            try Self.fakeRun("\(dir)/broken", config: "name: [x\n")
            try FileManager.default.createDirectory(atPath: "\(dir)/empty", withIntermediateDirectories: false)
            try "x".write(toFile: "\(dir)/file", atomically: true, encoding: .utf8)

            let missing = netrun(["compare", "\(dir)/good", "\(dir)/nothing"])
            #expect(missing.code == 2 && missing.out.isEmpty)
            #expect(missing.err.hasPrefix("\(dir)/nothing: error: cannot read the run directory: No such file or directory"), "\(missing.err)")

            let empty = netrun(["compare", "\(dir)/good", "\(dir)/empty"])
            #expect(empty.code == 2)
            #expect(empty.err.hasPrefix("\(dir)/empty: error: not a run directory: it has no config.yaml"), "\(empty.err)")

            let file = netrun(["compare", "\(dir)/good", "\(dir)/file"])
            #expect(file.code == 2)
            #expect(file.err.hasPrefix("\(dir)/file: error: expected a run directory, found a regular file"), "\(file.err)")

            let broken = netrun(["compare", "\(dir)/good", "\(dir)/broken"])
            #expect(broken.code == 2 && broken.out.isEmpty)
            #expect(broken.err.hasPrefix("\(dir)/broken/config.yaml:"), "\(broken.err)")

            let damaged = "\(dir)/damaged"
            try Self.fakeRun(damaged, config: "name: z\n", metrics: "{\"step\": 1}\n")
            let metrics = netrun(["compare", "\(dir)/good", damaged])
            #expect(metrics.code == 2)
            #expect(metrics.err.hasPrefix("\(damaged)/metrics.jsonl:1: error: not a metrics record"), "\(metrics.err)")

            // Every argument that is not a run is named, in one pass.
            let several = netrun(["compare", "\(dir)/nothing", "\(dir)/good", "\(dir)/file"])
            #expect(several.code == 2 && several.err.split(separator: "\n").count == 2
                    && several.err.contains("\(dir)/nothing: error:") && several.err.contains("\(dir)/file: error:"), "\(several.err)")

            // One run is not a comparison, whether given alone or as a sweep of one.
            let one = netrun(["compare", "\(dir)/good"])
            #expect(one.code == 2 && one.err.contains("needs at least two runs, found 1"), "\(one.err)")
            try FileManager.default.createDirectory(atPath: "\(dir)/sweep", withIntermediateDirectories: false)
            try Self.fakeRun("\(dir)/sweep/only", config: "name: x\n")
            let sweep = netrun(["compare", "\(dir)/sweep"])
            #expect(sweep.code == 2 && sweep.err.contains("needs at least two runs, found 1: \(dir)/sweep/only"), "\(sweep.err)")

            // The SVG is not written over a run's own files.
            let over = netrun(["compare", "\(dir)/good", "\(dir)/other", "--svg", "\(dir)/good/config.yaml"])
            #expect(over.code == 2 && over.err.contains("netrun does not overwrite its inputs"), "\(over.err)")
            #expect(try String(contentsOfFile: "\(dir)/good/config.yaml", encoding: .utf8) == "name: x\n")
        }
    }
}
