import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport

/// `netrun sweep` end to end, through the executable (each run is a `netrun train` process):
/// a 2x2 sweep interrupted by SIGINT in its second run and started again skips the finished
/// run, resumes the interrupted one bitwise and writes one row per run; a run whose config
/// changed is refused before anything starts.
@Suite(.enabled(if: ConsoleTests.executable != nil)) struct SweepTests {
    static let sweepSets = ["--set", "train.optimizer.lr=0.1,0.05", "--set", "train.optimizer.momentum=0.9,0.5"]

    /// The small config of TrainCommandTests, long enough (60 epochs of 8 steps) for a signal to land mid-run.
    static func write(_ dir: String) throws -> String {
        try TrainCommandTests.write(TrainCommandTests.config(epochs: 60), dir)
    }

    static func sweep(_ arguments: [String], whileRunning: ((Process) -> Void)? = nil) throws -> DistributedTrainTests.Result {
        try DistributedTrainTests.run([try #require(ConsoleTests.executable), "sweep"] + arguments, limit: 300, whileRunning: whileRunning)
    }

    static func record(_ dir: String) throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/sweep.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["runs"] as? [String: [String: Any]])
    }

    @Test func anInterruptedSweepStartedAgainSkipsTheFinishedAndResumesTheStoppedBitwise() throws {
        try withTemporaryDirectory { dir in
            let c = try Self.write(dir)
            let out = "\(dir)/sweep"
            // First attempt: SIGINT to the sweep (not to its runs) once the second run has logged steps.
            let first = try Self.sweep([c, "--out", out] + Self.sweepSets) { process in
                let log = "\(out)/lr=0.1,momentum=0.5/metrics.jsonl"
                let deadline = Date().addingTimeInterval(120)
                while Date() < deadline {
                    if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("\"step\":20,") { break }
                    usleep(20_000)
                }
                kill(process.processIdentifier, SIGINT)
            }
            #expect(first.status == 130, "\(first.out)\(first.err)")
            #expect(first.out.contains("finished lr=0.1,momentum=0.9"), "\(first.out)")
            #expect(first.out.contains("interrupted lr=0.1,momentum=0.5"), "\(first.out)")
            #expect(!first.out.contains("started lr=0.05"), "no run may start after the signal: \(first.out)")
            var runs = try Self.record(out)
            #expect(runs["lr=0.1,momentum=0.9"]?["status"] as? String == "finished")
            #expect(runs["lr=0.1,momentum=0.5"]?["status"] as? String == "interrupted")
            #expect(runs["lr=0.05,momentum=0.9"]?["status"] as? String == "pending")
            let stopped = Int(try #require(Safetensors.read(path: "\(out)/lr=0.1,momentum=0.5/last.safetensors").metadata["step"])) ?? 0
            #expect(stopped >= 20 && stopped < 480, "stopped at \(stopped)")
            let finishedWeights = try Data(contentsOf: URL(fileURLWithPath: "\(out)/lr=0.1,momentum=0.9/last.safetensors"))

            // Second attempt, the --sets in the other order: the same runs.
            let second = try Self.sweep([c, "--out", out, Self.sweepSets[2], Self.sweepSets[3], Self.sweepSets[0], Self.sweepSets[1]])
            #expect(second.status == 0, "\(second.out)\(second.err)")
            #expect(second.out.contains("1 finished before"), "\(second.out)")
            #expect(!second.out.contains("lr=0.1,momentum=0.9"), "the finished run ran again: \(second.out)")
            #expect(second.out.contains("resumed lr=0.1,momentum=0.5"), "\(second.out)")
            runs = try Self.record(out)
            #expect(runs["lr=0.1,momentum=0.9"]?["attempts"] as? Int == 1)
            #expect(runs["lr=0.1,momentum=0.5"]?["attempts"] as? Int == 2)
            #expect(runs.values.allSatisfy { $0["status"] as? String == "finished" })
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/lr=0.1,momentum=0.9/last.safetensors")) == finishedWeights)

            // The resumed run ends bitwise where an uninterrupted train of the same overrides does.
            let straight = netrun(["train", c, "--out", "\(dir)/straight", "--set", "train.optimizer.lr=0.1", "--set", "train.optimizer.momentum=0.5"])
            #expect(straight.code == 0, "\(straight.err)")
            let a = try TrainCommandTests.tensors("\(dir)/straight/last.safetensors")
            let b = try TrainCommandTests.tensors("\(out)/lr=0.1,momentum=0.5/last.safetensors")
            #expect(!a.isEmpty && a.keys.sorted() == b.keys.sorted())
            for (name, values) in a { #expect(values == b[name], "\(name) differs after the resume") }

            // One row per run, with its values and final metrics.
            let results = try String(contentsOfFile: "\(out)/results.md", encoding: .utf8)
            let rows = results.split(separator: "\n").filter { $0.hasPrefix("| `") }
            #expect(rows.count == 4, "\(results)")
            #expect(rows.allSatisfy { $0.contains("| finished |") }, "\(results)")
            // Columns in the order of the last command's --sets.
            #expect(results.contains("| run | train.optimizer.momentum | train.optimizer.lr | status |"), "\(results)")
            #expect(rows.first?.hasPrefix("| `lr=0.1,momentum=0.9` | 0.9 | 0.1 | finished |") == true, "\(results)")
            let csv = try String(contentsOfFile: "\(out)/results.csv", encoding: .utf8)
            #expect(csv.split(separator: "\r\n").count == 5, "\(csv)")
            // Each run's output is in its own log, the resumed run's both attempts.
            let log = try String(contentsOfFile: "\(out)/lr=0.1,momentum=0.5/train.log", encoding: .utf8)
            #expect(log.contains("interrupted after step") && log.contains("trained 480 steps"), "\(log)")
        }
    }

    @Test func aRunWhoseConfigChangedIsRefusedBeforeAnythingStarts() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(TrainCommandTests.config(epochs: 1), dir)
            let out = "\(dir)/sweep"
            let first = try Self.sweep([c, "--out", out, "--set", "train.optimizer.lr=0.1,0.05", "--jobs", "2"])
            #expect(first.status == 0, "\(first.out)\(first.err)")
            #expect(first.out.contains("2 at a time, 1 thread each"), "\(first.out)")
            let changed = try Self.sweep([c, "--out", out, "--set", "train.optimizer.lr=0.1,0.05", "--set", "train.batch=4"])
            #expect(changed.status == 2)
            #expect(changed.err.contains("lr=0.1: error: the run was trained with another config"), "\(changed.err)")
            #expect(changed.err.contains("train.batch: 8 in the run, 4 now"), "\(changed.err)")
            #expect(changed.err.contains("2 runs of the sweep changed"), "\(changed.err)")
            #expect(!changed.out.contains("started"), "\(changed.out)")
            // A longer run is no change: the finished runs resume for the extra epoch.
            let plan = try Self.sweep([c, "--out", out, "--set", "train.optimizer.lr=0.1,0.05", "--dry-run"])
            #expect(plan.status == 0)
            #expect(plan.out.contains("lr=0.1  ") && plan.out.contains("finished"), "\(plan.out)")
        }
    }

    @Test func badArgumentsAndConfigErrorsAreNamedBeforeAnyRun() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(TrainCommandTests.config(epochs: 1), dir)
            let out = "\(dir)/sweep"
            let badValue = try Self.sweep([c, "--out", out, "--set", "train.optimizer.lr=0.1,fast"])
            #expect(badValue.status == 1)
            #expect(badValue.err.contains("run lr=fast:") && badValue.err.contains("--set train.optimizer.lr=fast"), "\(badValue.err)")
            #expect(!FileManager.default.fileExists(atPath: "\(out)/lr=0.1"), "a run started although another had errors")
            let badRange = try Self.sweep([c, "--out", out, "--set", "train.optimizer.lr=0..1 log 3"])
            #expect(badRange.status == 2 && badRange.err.contains("two positive ends"), "\(badRange.err)")
            let zip = try Self.sweep([c, "--out", out, "--zip", "--set", "train.optimizer.lr=0.1,0.05", "--set", "train.batch=4,8,16"])
            #expect(zip.status == 2 && zip.err.contains("--zip"), "\(zip.err)")
            let jobs = try Self.sweep([c, "--jobs", "0"])
            #expect(jobs.status == 2 && jobs.err.contains("--jobs"), "\(jobs.err)")
        }
    }

    /// Under mpirun each rank runs its share (run i on rank i mod 2), each run one process:
    /// its weights are those of a plain `netrun train` with the same overrides.
    @Test(.enabled(if: DistributedTrainTests.usable)) func underMPIEachRankRunsItsShareAsSingleProcesses() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(TrainCommandTests.config(epochs: 1), dir)
            let out = "\(dir)/sweep"
            // NETRUN_THREADS is the cores a sweep splits: one here, so each run has one thread.
            let r = try DistributedTrainTests.mpi(2, ["sweep", c, "--out", out, "--set", "train.optimizer.lr=0.1,0.05,0.02"],
                                                  environment: ["NETRUN_THREADS": "1"], limit: 300)
            #expect(r.status == 0, "\(r.out)\(r.err)")
            #expect(r.out.contains("rank 0: [1/3] started lr=0.1") && r.out.contains("rank 1: [2/3] started lr=0.05")
                    && r.out.contains("rank 0: [3/3] started lr=0.02"), "\(r.out)")
            let runs = try Self.record(out)
            #expect(runs.count == 3 && runs.values.allSatisfy { $0["status"] as? String == "finished" }, "\(runs)")
            #expect(r.out.contains("1 thread each"), "\(r.out)")
            let single = try DistributedTrainTests.run([try #require(ConsoleTests.executable), "train", c, "--out", "\(dir)/single",
                                                        "--set", "train.optimizer.lr=0.05"], environment: ["NETRUN_THREADS": "1"])
            #expect(single.status == 0, "\(single.err)")
            let a = try TrainCommandTests.tensors("\(dir)/single/last.safetensors"), b = try TrainCommandTests.tensors("\(out)/lr=0.05/last.safetensors")
            #expect(!a.isEmpty && a == b)
        }
    }

    /// `tensorboard --logdir SWEEP` lists each run by its directory's name (read by
    /// TensorBoard's own EventMultiplexer, as its server does).
    @Test(.enabled(if: runProcess("/usr/bin/env", ["python3", "-c", "import tensorboard"]) == 0 || torchRequired))
    func tensorBoardShowsEachRunByItsName() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(TrainCommandTests.config(epochs: 1), dir)
            let out = "\(dir)/sweep"
            let r = try Self.sweep([c, "--out", out, "--set", "train.optimizer.lr=0.1,0.05", "--set", "train.optimizer.momentum=0.9,0.5"])
            #expect(r.status == 0, "\(r.out)\(r.err)")
            let script = """
            import sys
            from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer
            m = EventMultiplexer().AddRunsFromDirectory(sys.argv[1]); m.Reload()
            runs = {name: tags["scalars"] for name, tags in m.Runs().items()}
            expected = {"lr=0.1,momentum=0.9", "lr=0.1,momentum=0.5", "lr=0.05,momentum=0.9", "lr=0.05,momentum=0.5"}
            assert set(runs) == expected, sorted(runs)
            assert all("train/loss" in t and "val/top1" in t for t in runs.values()), runs
            """
            #expect(runProcess("/usr/bin/env", ["python3", "-c", script, out]) == 0)
        }
    }
}
