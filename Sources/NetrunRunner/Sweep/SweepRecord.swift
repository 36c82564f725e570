// The sweep file, `<sweep>/sweep.json`: the plan and, for each run, the hash of its resolved
// config, its state and its wall clock. Several processes may update it (the ranks of a
// sweep under mpirun): each update is a read-modify-write under an flock(2) of
// `<sweep>/.sweep.lock`, written atomically, and the results files are rewritten with it.
import Foundation
import NetrunFormats
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the sweep knows of one run.
public struct SweepRunRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Not started yet.
        case pending
        /// Started and not ended (or its sweep was killed before it could say).
        case running
        case finished
        /// Stopped by a signal, saved: the next sweep resumes it.
        case interrupted
        /// Ended with an error (see its train.log); the next sweep tries it again.
        case failed
    }

    /// ConfigFingerprint's hash of the run's resolved config (train.epochs and train.steps left out).
    public var configHash: String
    public var status: Status
    /// The exit code of its last `netrun train`, once one ended.
    public var exitCode: Int32?
    /// Wall-clock seconds of its `netrun train` processes, added over the attempts.
    public var seconds: Double
    public var attempts: Int

    public init(configHash: String, status: Status = .pending, exitCode: Int32? = nil, seconds: Double = 0, attempts: Int = 0) {
        self.configHash = configHash
        self.status = status
        self.exitCode = exitCode
        self.seconds = seconds
        self.attempts = attempts
    }
}

/// The contents of `sweep.json`.
public struct SweepRecord: Codable, Sendable, Equatable {
    public static let version = 1
    public static let fileName = "sweep.json"

    public var version = SweepRecord.version
    /// The config file as the command line named it.
    public var config: String
    public var plan: SweepPlan
    /// By run name; runs of an earlier plan that this one no longer has are kept.
    public var runs: [String: SweepRunRecord]

    public init(config: String, plan: SweepPlan, runs: [String: SweepRunRecord]) {
        self.config = config
        self.plan = plan
        self.runs = runs
    }

    /// The record in `directory`, or nil when it has none.
    public static func read(directory: String) throws(FileError) -> SweepRecord? {
        let path = "\(directory)/\(fileName)"
        if PathProblem(path: path) == .missing { return nil }
        let data: Data
        do { data = try FileInput.read(path: path, limit: 64 << 20) } catch let e as FileError { throw e } catch {
            throw FileError(path: path, kind: .io, message: "\(error)")
        }
        do {
            let record = try JSONDecoder().decode(SweepRecord.self, from: data)
            guard record.version == version else {
                throw FileError(path: path, kind: .unsupportedVersion,
                                message: "a sweep file of version \(record.version); this netrun reads version \(version)")
            }
            return record
        } catch let e as FileError {
            throw e
        } catch {
            throw FileError(path: path, kind: .format, message: "not a netrun sweep file: \(error)")
        }
    }

    public func write(directory: String) throws(FileError) {
        let path = "\(directory)/\(Self.fileName)"
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(self), to: path)
        } catch let e as FileError { throw e } catch {
            throw FileError(path: path, kind: .io, message: "\(error)")
        }
    }

    /// Runs `body` on the directory's record holding its update lock, then writes what
    /// `body` left (and the results files, from the record and each run's metrics).
    public static func update(directory: String, _ body: (inout SweepRecord?) throws(FileError) -> Void) throws(FileError) {
        let lockPath = "\(directory)/.sweep.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw FileError(path: lockPath, kind: .io, message: "cannot open the sweep's lock file: \(systemReason(errno))")
        }
        defer { close(fd) }
        guard Syscalls.restarting({ flock(fd, LOCK_EX) }) == 0 else {
            throw FileError(path: lockPath, kind: .io, message: "cannot lock the sweep's file: \(systemReason(errno))")
        }
        var record = try read(directory: directory)
        try body(&record)
        guard let record else { return }
        try record.write(directory: directory)
        try SweepResults(record: record, directory: directory).write()
    }
}
