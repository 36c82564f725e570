// Runs a sweep's runs, `jobs` at a time, each as its own `netrun train` process with the
// cores split between them; records each start and end in the sweep file (which rewrites
// the results); on SIGINT or SIGTERM passes the signal on, waits for every run to save, and
// starts no other.
import Foundation
import NetrunFormats
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One run to start: new (`--out`) or continued (`--resume`).
public struct SweepJob: Sendable, Equatable {
    public var run: SweepRun
    /// Its position in the plan, from 1.
    public var number: Int
    public var resume: Bool

    public init(run: SweepRun, number: Int, resume: Bool) {
        self.run = run
        self.number = number
        self.resume = resume
    }
}

public struct SweepDriver {
    public var directory: String
    public var config: String
    /// The netrun executable the runs use.
    public var executable: String
    /// Runs at once.
    public var jobs: Int
    /// NETRUN_THREADS of each run.
    public var threadsPerRun: Int
    /// The environment the runs start with (before NETRUN_THREADS is set).
    public var environment: [String: String]
    /// Runs in the whole plan (for `[3/12]`).
    public var planSize: Int
    /// `rank 1: ` under mpirun, else empty.
    public var prefix: String

    public init(directory: String, config: String, executable: String, jobs: Int, threadsPerRun: Int,
                environment: [String: String], planSize: Int, prefix: String = "") {
        self.directory = directory
        self.config = config
        self.executable = executable
        self.jobs = jobs
        self.threadsPerRun = threadsPerRun
        self.environment = environment
        self.planSize = planSize
        self.prefix = prefix
    }

    /// How the sweep's runs ended.
    public struct Outcome: Sendable {
        public var finished: [String] = []
        /// Runs stopped by a signal (saved, to resume).
        public var interrupted: [String] = []
        /// Runs that ended with an error, and its exit code.
        public var failed: [(name: String, code: Int32)] = []
        public var stoppedBySignal = false
    }

    /// Variables of an MPI launcher: a run started from a rank must not think itself one.
    static func isLauncherVariable(_ key: String) -> Bool {
        ["OMPI_", "PMIX_", "PMI_", "MPI_LOCALNRANKS", "MPI_LOCALRANKID", "HYDRA_"].contains { key.hasPrefix($0) }
    }

    /// The arguments of the `netrun train` of `job`.
    public func arguments(_ job: SweepJob) -> [String] {
        [executable, "train", config, job.resume ? "--resume" : "--out", "\(directory)/\(job.run.name)"]
            + job.run.overrides.flatMap { ["--set", $0] }
    }

    /// Runs `queue` to its end (or to a signal); `say` prints one line per start and end.
    public func run(_ queue: [SweepJob], say: (String) -> Void) throws(FileError) -> Outcome {
        var pending = queue[...]
        var running: [pid_t: (job: SweepJob, start: Date)] = [:]
        var outcome = Outcome()
        var childEnvironment = environment.filter { !Self.isLauncherVariable($0.key) }
        childEnvironment["NETRUN_THREADS"] = "\(threadsPerRun)"
        let environmentStrings = childEnvironment.map { "\($0.key)=\($0.value)" }.sorted()
        var passedOn = false
        while !running.isEmpty || (!passedOn && !pending.isEmpty) {
            if let signal = Interrupt.pending, !passedOn {
                passedOn = true
                outcome.stoppedBySignal = true
                // A Ctrl-C at a terminal reached the runs already (one process group); a
                // SIGTERM sent to the sweep alone did not. A second one changes nothing.
                for pid in running.keys { kill(pid, signal) }
                if !running.isEmpty { say("\(prefix)interrupted: waiting for \(running.count) run\(running.count == 1 ? "" : "s") to save") }
            }
            while !passedOn && running.count < jobs, let job = pending.first {
                pending = pending.dropFirst()
                let runDirectory = "\(directory)/\(job.run.name)"
                do {
                    try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
                } catch {
                    throw FileError(path: runDirectory, kind: .io, message: "cannot create the run directory")
                }
                try SweepRecord.update(directory: directory) { (record: inout SweepRecord?) throws(FileError) in
                    record?.runs[job.run.name]?.status = .running
                    record?.runs[job.run.name]?.attempts += 1
                }
                let child = try ChildProcess.spawn(arguments(job), environment: environmentStrings, log: "\(runDirectory)/train.log")
                running[child.pid] = (job, Date())
                say("\(prefix)[\(job.number)/\(planSize)] \(job.resume ? "resumed" : "started") \(job.run.name)")
            }
            guard let (pid, ending) = ChildProcess.reapAny() else {
                usleep(50_000)
                continue
            }
            guard let r = running.removeValue(forKey: pid) else { continue }
            let seconds = Date().timeIntervalSince(r.start)
            let name = r.job.run.name
            let status: SweepRunRecord.Status
            switch ending {
            case .exited(0): status = .finished
            case .exited(130), .signaled(SIGINT), .signaled(SIGTERM): status = .interrupted
            default: status = .failed
            }
            try SweepRecord.update(directory: directory) { (record: inout SweepRecord?) throws(FileError) in
                record?.runs[name]?.status = status
                record?.runs[name]?.exitCode = ending.code
                record?.runs[name]?.seconds += seconds
            }
            let summary = (try? RunSummary.read(runDirectory: "\(directory)/\(name)")) ?? RunSummary()
            let top1 = summary.finalTop1.map { String(format: ": val_top1 %.4f", $0) } ?? ""
            let clock = MetricsTerminalSink.clockTime(seconds)
            switch status {
            case .finished:
                outcome.finished.append(name)
                say("\(prefix)[\(r.job.number)/\(planSize)] finished \(name) in \(clock)\(top1)")
            case .interrupted:
                outcome.interrupted.append(name)
                // A run that a signal stopped (its own, or the sweep's) stops the sweep.
                if !passedOn {
                    passedOn = true
                    outcome.stoppedBySignal = true
                    for other in running.keys { kill(other, SIGINT) }
                }
                say("\(prefix)[\(r.job.number)/\(planSize)] interrupted \(name) after \(clock) (saved; the same sweep command resumes it)")
            default:
                outcome.failed.append((name, ending.code))
                say("\(prefix)[\(r.job.number)/\(planSize)] failed \(name) (exit \(ending.code)); see \(directory)/\(name)/train.log")
            }
        }
        return outcome
    }
}
