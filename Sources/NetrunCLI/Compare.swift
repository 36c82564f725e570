import ArgumentParser
import Foundation
import NetrunConfig
import NetrunFormats
import NetrunRunner

/// `netrun compare RUN_DIR... [--svg FILE] [--format text|json]`: what differs between runs
/// (their resolved configs, key by key) and how they did (their metrics side by side).
struct Compare: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare runs: the config keys that differ, final and best metrics side by side, curves overlaid.",
        discussion: """
        A run directory is what `netrun train --out DIR` writes (config.yaml, metrics.jsonl). A directory \
        without config.yaml whose subdirectories have one (a sweep's) stands for those runs, by name. \
        The configs are compared as YAML trees, not as text: a key only some runs have is one difference, \
        shown with its whole value, and a layer or augmentation inserted into a list is one difference \
        that leaves the entries after it alone (entries are matched by name, or as <op>#<k>, the k-th \
        unnamed entry of that op). Keys are dotted paths as --set takes them (model.layers.conv1.out); \
        numbers compare by value (0.1 = 1e-1). The metrics are read from each run's metrics.jsonl: \
        steps, epochs, evaluations, final and best val_top1 (with its step), final val_loss and the \
        median training img/s; a run still writing is read up to its last whole line. \
        --svg draws training loss, val_top1 and the learning rate against the step, one color per run, \
        the legend naming each run by its directory's name (a sweep run's overrides). \
        Exit codes: 0, 2 for fewer than two runs or a directory that is not a readable run.
        """
    )

    @Argument(help: ArgumentHelp("Run directories, or sweep directories (each stands for the runs in it).", valueName: "run-dir"))
    var directories: [String]

    @Option(help: ArgumentHelp("Also draw the runs' curves overlaid as SVG to this file (written atomically).", valueName: "file"))
    var svg: String?

    @Option(help: "text (tables) or json.")
    var format: OutputFormat = .text

    func execute(_ console: Console) -> Int32 {
        let (paths, problems) = RunDirectories.expand(directories)
        for problem in problems { console.printError(problem.description) }
        guard problems.isEmpty else { return ExitStatus.usage }
        guard paths.count >= 2 else {
            console.printError("error: netrun compare needs at least two runs, found \(paths.count)\(paths.first.map { ": \($0)" } ?? "")")
            return ExitStatus.usage
        }
        var runs: [ComparedRun] = []
        var renderer = DiagnosticRenderer()
        for path in paths {
            switch ComparedRun.load(path) {
            case .success(let run): runs.append(run)
            case .failure(.file(let error)): console.printError(error.description)
            case .failure(.config(let error)):
                for d in error.diagnostics.sorted { console.printError(renderer.render(d), terminator: "") }
            }
        }
        guard runs.count == paths.count else { return ExitStatus.usage }
        ComparedRun.label(&runs)
        let differences = YAMLDiff.differences(runs.map(\.config))

        if let svg {
            let inputs = runs.flatMap { [("\($0.directory)/\(RunDirectories.configName)", "a run's config"),
                                         ("\($0.directory)/\(MetricsJSONLSink.fileName)", "a run's metrics")] }
            let chart = CurvesOverlay.svg(runs.map { CurvesOverlay.Run(label: $0.label, events: $0.events) }, title: Self.title(runs))
            guard OutputPath.write(chart, to: svg, what: "SVG output", inputs: inputs, console: console) else { return ExitStatus.usage }
        }
        switch format {
        case .json: console.print(Self.json(runs, differences).text(pretty: true))
        case .text: console.print(Self.text(runs, differences), terminator: "")
        }
        return ExitStatus.ok
    }

    /// The chart's title: the config's name when the runs share one.
    static func title(_ runs: [ComparedRun]) -> String {
        let names = Set(runs.map { $0.config["name"]?.text ?? "" })
        let count = "\(runs.count) runs compared"
        guard names.count == 1, let name = names.first, !name.isEmpty else { return count }
        return "\(name): \(count)"
    }

    // MARK: output

    static func text(_ runs: [ComparedRun], _ differences: [YAMLDiff.Difference]) -> String {
        var out = "runs:\n"
        for (i, run) in runs.enumerated() { out += "  \(i + 1)  \(run.directory)\n" }
        out += "\n"
        if differences.isEmpty {
            out += "config: no differences\n"
        } else {
            out += "config: \(differences.count) key\(differences.count == 1 ? "" : "s") differ\(differences.count == 1 ? "s" : "")\n"
            var table = TextTable(header: ["key"] + runs.indices.map { String($0 + 1) }, numeric: [])
            for d in differences { table.append([d.path.isEmpty ? "(whole file)" : d.path] + d.values.map { $0 ?? "(absent)" }) }
            out += table.text
        }
        out += "\nmetrics:\n"
        var table = TextTable(header: ["run", "steps", "epochs", "evals", "final top-1", "best top-1", "at step", "final val_loss", "img/s"],
                              numeric: Set(0 ... 8))
        for (i, run) in runs.enumerated() {
            let s = run.summary
            table.append([String(i + 1), cell(s.steps), cell(s.epochs), cell(s.evaluations),
                          percent(s.finalTop1), percent(s.bestTop1), cell(s.bestStep),
                          cell(s.finalLoss) { String(format: "%.4f", $0) }, cell(s.imagesPerSecond) { String(format: "%.1f", $0) }])
        }
        out += table.text
        return out
    }

    private static func cell<T>(_ value: T?, _ format: (T) -> String = { "\($0)" }) -> String {
        value.map(format) ?? "-"
    }

    private static func percent(_ value: Double?) -> String {
        cell(value) { String(format: "%.2f%%", $0 * 100) }
    }

    static func json(_ runs: [ComparedRun], _ differences: [YAMLDiff.Difference]) -> JSONValue {
        func number<T>(_ value: T?, _ json: (T) -> JSONValue) -> JSONValue { value.map(json) ?? .null }
        return .object([
            ("runs", .array(runs.map { run in
                let s = run.summary
                return .object([
                    ("directory", .string(run.directory)),
                    ("label", .string(run.label)),
                    ("summary", .object([
                        ("steps", number(s.steps, JSONValue.int)),
                        ("epochs", number(s.epochs, JSONValue.int)),
                        ("evaluations", number(s.evaluations, JSONValue.int)),
                        ("final_top1", number(s.finalTop1, JSONValue.double)),
                        ("best_top1", number(s.bestTop1, JSONValue.double)),
                        ("best_step", number(s.bestStep, JSONValue.int)),
                        ("final_val_loss", number(s.finalLoss, JSONValue.double)),
                        ("img_s", number(s.imagesPerSecond, JSONValue.double)),
                    ])),
                ])
            })),
            ("differences", .array(differences.map { d in
                .object([("key", .string(d.path)), ("values", .array(d.values.map { $0.map(JSONValue.string) ?? .null }))])
            })),
        ])
    }
}

/// A run as compare reads it: its directory, resolved config and metrics.
struct ComparedRun {
    var directory: String
    /// Its name in the chart's legend: the directory's own name (a sweep run's overrides).
    var label: String
    var config: YAMLNode
    var events: [MetricsEvent]
    var summary: RunSummary

    enum Problem: Error {
        case file(FileError)
        case config(ConfigError)
    }

    /// The run in `directory`: its config.yaml (which must be there and be YAML) and its
    /// metrics.jsonl (which may be missing: a run not started).
    static func load(_ directory: String) -> Result<ComparedRun, Problem> {
        let configPath = "\(directory)/\(RunDirectories.configName)"
        do throws(FileError) {
            try InputFile.check(configPath, what: "run's config", limit: .bytes(YAMLLimits().maxBytes))
        } catch {
            return .failure(.file(error))
        }
        let config: YAMLNode
        do throws(ConfigError) { config = try YAMLReader.read(file: configPath) } catch { return .failure(.config(error)) }
        let events: [MetricsEvent]?
        do throws(FileError) { events = try MetricsLog.events(runDirectory: directory) } catch { return .failure(.file(error)) }
        let label = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        return .success(ComparedRun(directory: directory, label: label, config: config, events: events ?? [],
                                    summary: events.map(RunSummary.init(events:)) ?? RunSummary()))
    }

    /// Runs whose directories share a name are labelled by their whole paths instead.
    static func label(_ runs: inout [ComparedRun]) {
        let counts = Dictionary(runs.map { ($0.label, 1) }, uniquingKeysWith: +)
        for i in runs.indices where counts[runs[i].label, default: 0] > 1 { runs[i].label = runs[i].directory }
    }
}

/// The run directories that command-line arguments stand for.
enum RunDirectories {
    static let configName = CheckpointFiles.configFileName

    /// Each argument that is a run directory (it has a config.yaml) as it is; one that is a
    /// sweep directory (no config.yaml, but subdirectories with one) as those, sorted by name.
    /// A path that does not exist, is not a directory, or is neither is a `FileError` naming
    /// it, one for each such argument.
    static func expand(_ arguments: [String]) -> (runs: [String], problems: [FileError]) {
        var runs: [String] = [], problems: [FileError] = []
        for argument in arguments {
            do throws(FileError) { runs += try expand(argument) } catch { problems.append(error) }
        }
        return (runs, problems)
    }

    /// The run directories one argument stands for.
    private static func expand(_ argument: String) throws(FileError) -> [String] {
        guard let status = FileStatus(argument) else {
            throw FileError(path: argument, kind: .io, message: "cannot read the run directory: \(systemReason())")
        }
        guard status.kind == .directory else {
            throw FileError(path: argument, kind: .notARegularFile, message: "expected a run directory, found \(status.kindPhrase)")
        }
        if FileStatus("\(argument)/\(configName)") != nil { return [argument] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: argument) } catch {
            throw FileError(path: argument, kind: .io, message: "cannot list the directory: \(error.localizedDescription)")
        }
        let base = argument.hasSuffix("/") ? String(argument.dropLast()) : argument
        let inside = names.sorted().map { "\(base)/\($0)" }.filter {
            FileStatus($0)?.kind == .directory && FileStatus("\($0)/\(configName)") != nil
        }
        guard !inside.isEmpty else {
            throw FileError(path: argument, kind: .invalidArgument,
                            message: "not a run directory: it has no \(configName) (what `netrun train --out` writes), and no directory in it has one")
        }
        return inside
    }
}
