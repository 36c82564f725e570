// A sweep's results: `results.md` (a Markdown table, for reading and for a review) and
// `results.csv` (for scripts and spreadsheets), one row per run of the plan, rewritten
// whole whenever a run ends.
import Foundation
import NetrunFormats

public struct SweepResults: Sendable {
    public var record: SweepRecord
    public var directory: String

    public init(record: SweepRecord, directory: String) {
        self.record = record
        self.directory = directory
    }

    public struct Row: Sendable, Equatable {
        public var name: String
        /// The run's value of each axis, in the plan's axis order.
        public var values: [String]
        public var status: String
        public var summary: RunSummary
        public var seconds: Double?
    }

    /// The plan's runs with what their run directories hold now; a run directory whose
    /// metrics cannot be read counts as empty (its status says the rest).
    public var rows: [Row] {
        record.plan.runs.map { run in
            let r = record.runs[run.name]
            let summary = (try? RunSummary.read(runDirectory: "\(directory)/\(run.name)")) ?? RunSummary()
            let status: String
            switch r?.status ?? .pending {
            case .failed: status = "failed (exit \(r?.exitCode ?? -1))"
            case let s: status = s.rawValue
            }
            return Row(name: run.name, values: record.plan.axes.map { run.values[$0.key] ?? "" }, status: status,
                       summary: summary, seconds: r.map(\.seconds).flatMap { $0 > 0 ? $0 : nil })
        }
    }

    static let metricHeaders = ["status", "final val_top1", "best val_top1", "val_loss", "epochs", "wall clock", "img/s"]

    static func metricCells(_ row: Row) -> [String] {
        let s = row.summary
        func fixed(_ v: Double?, _ digits: Int) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "" }
        let best = s.bestTop1.map { String(format: "%.4f", $0) + (s.bestStep.map { " (step \($0))" } ?? "") } ?? ""
        return [row.status, fixed(s.finalTop1, 4), best, fixed(s.finalLoss, 4), s.epochs.map(String.init) ?? "",
                row.seconds.map(MetricsTerminalSink.clockTime) ?? "", fixed(s.imagesPerSecond, 0)]
    }

    /// The Markdown table: the run, each axis' value, then the metrics.
    public var markdown: String { markdown(rows) }

    func markdown(_ rows: [Row]) -> String {
        let headers = ["run"] + record.plan.axes.map(\.key) + Self.metricHeaders
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        var lines = ["# Sweep of \(record.config)", ""]
        if !record.plan.fixed.isEmpty {
            lines.append("Every run: " + record.plan.fixed.map { "`\($0.key)=\($0.values[0])`" }.joined(separator: ", ") + ".")
            lines.append("")
        }
        lines.append(line(headers))
        lines.append(line(headers.map { _ in "---" }))
        for r in rows { lines.append(line(["`\(r.name)`"] + r.values + Self.metricCells(r))) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same rows as RFC 4180 CSV, the metrics as plain numbers.
    public var csv: String { csv(rows) }

    func csv(_ rows: [Row]) -> String {
        let headers = ["run"] + record.plan.axes.map(\.key)
            + ["status", "final_val_top1", "best_val_top1", "best_step", "val_loss", "epochs", "steps", "seconds", "img_s"]
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func number(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
        var lines = [headers.map(field).joined(separator: ",")]
        for r in rows {
            let s = r.summary
            let cells = [r.name] + r.values + [r.status, number(s.finalTop1), number(s.bestTop1), s.bestStep.map(String.init) ?? "",
                                               number(s.finalLoss), s.epochs.map(String.init) ?? "", s.steps.map(String.init) ?? "",
                                               r.seconds.map { String(format: "%.1f", $0) } ?? "", number(s.imagesPerSecond)]
            lines.append(cells.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Writes both files atomically (each run's metrics read once).
    public func write() throws(FileError) {
        let rows = self.rows
        for (name, text) in [("results.md", markdown(rows)), ("results.csv", csv(rows))] {
            let path = "\(directory)/\(name)"
            do { try AtomicFile.write(Data(text.utf8), to: path) } catch let e as FileError { throw e } catch {
                throw FileError(path: path, kind: .io, message: "\(error)")
            }
        }
    }
}
