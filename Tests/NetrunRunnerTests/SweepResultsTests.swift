import Foundation
@testable import NetrunRunner
import Testing

/// results.md and results.csv: one row per run of the plan, in plan order, whatever state
/// each run is in; values that hold the tables' separators stay in their cell.
@Suite struct SweepResultsTests {
    @Test func everyRunOfThePlanIsARowWithItsValuesAndMetrics() throws {
        let dir = NSTemporaryDirectory() + "netrun-results-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plan = try SweepPlan(axes: [try SweepAxis.parse("train.optimizer.lr=0.1,0.05"), try SweepAxis.parse("name='a|b','c,\"d\"'"),
                                        try SweepAxis.parse("train.batch=32")], zip: false)
        #expect(plan.runs.count == 4)
        let first = plan.runs[0].name
        try FileManager.default.createDirectory(atPath: "\(dir)/\(first)", withIntermediateDirectories: true)
        let metrics = """
        {"step":10,"epoch":1,"epoch_progress":0.5,"examples":640,"loss":1.5,"lr":0.1,"img_s":100}
        {"step":20,"epoch":1,"epoch_progress":1.0,"examples":1280,"loss":1.2,"lr":0.1,"img_s":300}
        {"step":20,"epoch":1,"val_loss":0.9,"val_top1":0.61,"val_top5":0.99,"val_examples":100}
        {"step":40,"epoch":2,"val_loss":0.8,"val_top1":0.6,"val_top5":0.99,"val_examples":100}
        {"step":41,"epo
        """
        try Data(metrics.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(first)/metrics.jsonl"))
        let record = SweepRecord(config: "c.yaml", plan: plan, runs: [
            first: SweepRunRecord(configHash: "h", status: .finished, exitCode: 0, seconds: 3725, attempts: 2),
            plan.runs[1].name: SweepRunRecord(configHash: "h", status: .failed, exitCode: 3, seconds: 5, attempts: 1),
        ])
        let results = SweepResults(record: record, directory: dir)
        let md = results.markdown
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("| `") }
        #expect(rows.count == 4, "\(md)")
        #expect(md.contains("Every run: `train.batch=32`."), "\(md)")
        #expect(md.contains("| run | train.optimizer.lr | name | status | final val_top1 | best val_top1 |"), "\(md)")
        #expect(rows[0].contains("| 0.1 | 'a\\|b' | finished | 0.6000 | 0.6100 (step 20) | 0.8000 | 2 | 1:02:05 |"), "\(rows[0])")
        #expect(rows[1].contains("| failed (exit 3) |"), "\(rows[1])")
        #expect(rows[2].contains("| pending |"), "\(rows[2])")
        // Each markdown row has exactly the header's cells (the | in a value is escaped).
        let cells = { (line: Substring) in line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
        let header = try #require(md.split(separator: "\n").first { $0.hasPrefix("| run") })
        #expect(rows.allSatisfy { cells($0) == cells(header) })

        let csv = results.csv.split(separator: "\r\n").map(String.init)
        #expect(csv.count == 5)
        #expect(csv[0] == "run,train.optimizer.lr,name,status,final_val_top1,best_val_top1,best_step,val_loss,epochs,steps,seconds,img_s")
        #expect(csv[2].contains(",0.1,\"'c,\"\"d\"\"'\",failed (exit 3),"), "\(csv[2])")
        #expect(csv[1].hasSuffix(",finished,0.6,0.61,20,0.8,2,40,3725.0,200.0"), "\(csv[1])")
    }
}
