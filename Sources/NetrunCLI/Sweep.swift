import ArgumentParser
import Foundation
import NetrunConfig
import NetrunFormats
import NetrunKernels
import NetrunRunner

/// `netrun sweep CONFIG --set key=v1,v2 ...`: variants of a config, each trained in its own
/// run directory named by its overrides; started again, it skips what finished and resumes
/// what was stopped.
struct Sweep: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train variants of a config: the product (or zip) of the values given with --set, resumable.",
        discussion: """
        Each --set gives a key path and the values to try: a list (train.optimizer.lr=0.1,0.05,0.01; \
        commas inside [] or {} do not split), or a range, A..B log N or A..B lin N (N values from A to \
        B, both included). A --set with one value applies to every run. The runs are the product of the \
        values, the first --set varying slowest (--zip: the i-th value of each together); --seeds K \
        adds train.seed = the config's seed, +1, ..., +K-1.

        Each run is a `netrun train` in DIR/<name>, its name its values sorted by key \
        (lr=0.05,p=0.5: the same values always make the same name), its output in its train.log. \
        --jobs runs that many at once, the cores split between them (NETRUN_THREADS of each). \
        DIR/sweep.json records the plan, the hash of each run's resolved config and how it ended; \
        DIR/results.md and DIR/results.csv hold one row per run (its values, final and best val_top1, \
        val_loss, epochs, wall clock, img/s), rewritten as runs end.

        Started again with the same arguments, the sweep skips the runs that finished and resumes \
        the ones that were stopped, exactly (--resume); a run whose resolved config changed since \
        is refused with the differing keys, before anything starts. Ctrl-C or SIGTERM stops every \
        run at a step, each saving, and exits 130. Under mpirun, each rank runs its share of the \
        runs (run i on rank i mod N), one process each. `tensorboard --logdir DIR` shows each run \
        by its name. Exit codes: 0 all finished, 1 config errors in a run, 2 usage or file errors \
        (a changed run among them), 130 interrupted, else the exit code of the first run that failed.
        """
    )

    @Argument(help: "The config file.")
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Values to try: key.path=v1,v2,... or key.path=A..B log|lin N (repeatable).",
                                                         valueName: "key=values"))
    var sets: [String] = []

    @Flag(help: "Pair the i-th values of every --set instead of taking their product.")
    var zip = false

    @Option(help: "Train each variant with this many seeds (the config's train.seed and the next ones).")
    var seeds: Int = 1

    @Option(help: ArgumentHelp("The sweep directory (default: runs/<name>-sweep).", valueName: "dir"))
    var out: String?

    @Option(help: "Runs at once; the cores are split between them.")
    var jobs: Int = 1

    @Flag(help: "Print the plan (each run, its overrides and what the sweep would do) and stop.")
    var dryRun = false

    func validate() throws {
        try NetrunCLI.validate(seeds, in: 1 ... 1000, option: "seeds")
        try NetrunCLI.validate(jobs, in: 1 ... 256, option: "jobs")
    }

    func execute(_ console: Console) -> Int32 {
        Interrupt.install()
        let environment = ProcessInfo.processInfo.environment
        let placement: (rank: Int, size: Int)
        switch Self.placement(environment) {
        case .success(let p): placement = p
        case .failure(let e):
            console.printError("error: \(e.description)")
            return ExitStatus.usage
        }

        // The base config: its errors are every run's, so they are reported once.
        let base = Loaded(file: file, overrides: [])
        var renderer = DiagnosticRenderer()
        guard let baseConfig = base.config, base.isClean else {
            base.report(console, renderer: &renderer)
            return max(base.exitCode, ExitStatus.configErrors)
        }
        guard let train = baseConfig.train else {
            console.printError("\(file): error: the config has no 'train' section")
            return ExitStatus.configErrors
        }
        let plan: SweepPlan
        do throws(SweepError) {
            plan = try SweepPlan(axes: try sets.map { (s: String) throws(SweepError) in try SweepAxis.parse(s) }, zip: zip,
                                 seeds: seeds, baseSeed: train.seed)
        } catch {
            console.printError("error: \(error.description)")
            return ExitStatus.usage
        }
        let directory = out ?? "runs/\(baseConfig.name)-sweep"

        // Every run's config, checked before anything starts; then what each run needs.
        var fingerprints: [String: [String: String]] = [:]
        var errors = false
        for run in plan.runs {
            let loaded = Loaded(file: file, overrides: run.overrides)
            guard let config = loaded.config, loaded.isClean else {
                console.printError("run \(run.name):")
                loaded.report(console, renderer: &renderer)
                errors = true
                continue
            }
            fingerprints[run.name] = ConfigFingerprint.values(of: config.resolved)
        }
        if errors { return ExitStatus.configErrors }

        let record: SweepRecord?
        do { record = try SweepRecord.read(directory: directory) } catch {
            console.printError(error.description)
            return ExitStatus.usage
        }
        var jobs: [SweepJob] = [], actions: [String: String] = [:], changed: [String] = []
        for (i, run) in plan.runs.enumerated() {
            let runDirectory = "\(directory)/\(run.name)"
            let saved: RunState?
            do { saved = try CheckpointFiles.savedState(directory: runDirectory) } catch {
                console.printError(error.description)
                return ExitStatus.usage
            }
            if let saved {
                let differences = ConfigFingerprint.differences(saved: saved.config, current: fingerprints[run.name] ?? [:])
                if !differences.isEmpty {
                    changed.append("\(runDirectory): error: the run was trained with another config:\n  " + differences.joined(separator: "\n  "))
                    continue
                }
                if record?.runs[run.name]?.status == .finished {
                    actions[run.name] = "finished"
                    continue
                }
                actions[run.name] = "resume at step \(saved.step)"
                jobs.append(SweepJob(run: run, number: i + 1, resume: true))
            } else {
                actions[run.name] = "new"
                jobs.append(SweepJob(run: run, number: i + 1, resume: false))
            }
        }
        if !changed.isEmpty {
            for c in changed { console.printError(c) }
            console.printError("error: \(changed.count) run\(changed.count == 1 ? "" : "s") of the sweep changed since \(changed.count == 1 ? "it was" : "they were") trained; "
                               + "give another --out, or remove \(changed.count == 1 ? "that run's directory" : "those runs' directories") to train \(changed.count == 1 ? "it" : "them") again")
            return ExitStatus.usage
        }
        let mine = jobs.filter { ($0.number - 1) % placement.size == placement.rank }
        let cores = Parallel.processorCount
        let threads = max(1, cores / min(self.jobs, max(mine.count, 1)))

        if dryRun {
            if placement.rank == 0 {
                console.print("\(plan.runs.count) run\(plan.runs.count == 1 ? "" : "s") in \(directory), \(self.jobs) at a time, \(threads) thread\(threads == 1 ? "" : "s") each:")
                var table = TextTable(header: ["#", "run", "overrides", "to do"], numeric: [0])
                for (i, run) in plan.runs.enumerated() {
                    table.append(["\(i + 1)", run.name, run.overrides.joined(separator: " "), actions[run.name] ?? ""])
                }
                console.print(table.text, terminator: "")
            }
            return ExitStatus.ok
        }

        // One sweep at a time in the directory (under mpirun, rank 0 holds it for all). It is
        // taken holding the sweep file's lock: taking it removes stale temporary files, and no
        // other rank can be writing one then.
        var lock: RunDirectoryLock?
        defer { lock?.release() }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try SweepRecord.update(directory: directory) { (record: inout SweepRecord?) throws(FileError) in
                if placement.rank == 0 { lock = try RunDirectoryLock(directory: directory) }
                var runs = record?.runs ?? [:]
                for run in plan.runs {
                    let hash = ConfigFingerprint.hash(fingerprints[run.name] ?? [:])
                    if runs[run.name]?.configHash != hash { runs[run.name] = SweepRunRecord(configHash: hash) }
                }
                record = SweepRecord(config: file, plan: plan, runs: runs)
            }
        } catch let e as FileError {
            console.printError(e.description)
            return ExitStatus.usage
        } catch {
            console.printError("\(directory): error: \(error)")
            return ExitStatus.usage
        }
        let prefix = placement.size > 1 ? "rank \(placement.rank): " : ""
        let skipped = plan.runs.count - jobs.count
        if placement.rank == 0 {
            console.print("sweep: \(plan.runs.count) run\(plan.runs.count == 1 ? "" : "s") in \(directory)"
                          + (skipped > 0 ? ", \(skipped) finished before" : "") + "; \(self.jobs) at a time, \(threads) thread\(threads == 1 ? "" : "s") each")
        }
        let driver = SweepDriver(directory: directory, config: file, executable: ChildProcess.currentExecutable(fallback: CommandLine.arguments[0]),
                                 jobs: self.jobs, threadsPerRun: threads, environment: environment, planSize: plan.runs.count, prefix: prefix)
        let outcome: SweepDriver.Outcome
        do { outcome = try driver.run(mine) { console.print($0) } } catch {
            console.printError(error.description)
            return ExitStatus.usage
        }
        if mine.isEmpty {
            console.print("\(prefix)sweep: nothing to run\(placement.size > 1 ? " on this rank" : ""); results in \(directory)/results.md")
            return ExitStatus.ok
        }
        console.print("\(prefix)sweep: \(outcome.finished.count) finished, \(outcome.interrupted.count) interrupted, \(outcome.failed.count) failed"
                      + "; results in \(directory)/results.md")
        if outcome.stoppedBySignal || !outcome.interrupted.isEmpty {
            console.print("\(prefix)sweep: stopped; the same command resumes it")
            return ExitStatus.interrupted
        }
        return outcome.failed.first?.code ?? ExitStatus.ok
    }

    /// This process's share of a sweep under an MPI launcher (rank and size from its
    /// environment; MPI itself is not started), else (0, 1).
    static func placement(_ environment: [String: String]) -> Result<(rank: Int, size: Int), SweepError> {
        let rankText = environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMI_RANK"] ?? environment["PMIX_RANK"]
        let sizeText = environment["OMPI_COMM_WORLD_SIZE"] ?? environment["PMI_SIZE"]
        guard let rankText else { return .success((0, 1)) }
        guard let rank = Int(rankText), let sizeText, let size = Int(sizeText), size >= 1, rank >= 0, rank < size else {
            return .failure(SweepError("started by an MPI launcher whose rank (\(rankText)) and size (\(sizeText ?? "unknown")) cannot be read"))
        }
        return .success((rank, size))
    }
}
