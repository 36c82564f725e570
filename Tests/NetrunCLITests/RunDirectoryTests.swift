import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport

/// The run directory against hostile circumstances (issue 25): a second process into it,
/// what `kill -9` leaves there, damaged checkpoints, and files replaced by something else.
@Suite struct RunDirectoryTests {
    typealias T = TrainCommandTests

    /// `netrun train` as a child process (its output discarded).
    static func spawn(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(ConsoleTests.executable))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (polling) until `condition` holds, up to `seconds`; whether it did.
    @discardableResult
    static func wait(seconds: Double = 60, every interval: useconds_t = 2_000, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(interval)
        }
        return condition()
    }

    static func listing(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    static func temporaries(_ directory: String) -> [String] { listing(directory).filter { $0.contains(".tmp-") } }

    /// A temporary directory holding the small config (`c`) and, in `run`, a run of it
    /// stopped after step 4 (state, last and a checkpoint saved).
    static func withStoppedRun(_ body: (_ dir: String, _ c: String, _ run: String) throws -> Void) throws {
        try withTemporaryDirectory { dir in
            let c = try T.write(T.config(), dir)
            let run = "\(dir)/run"
            let r = netrun(["train", c, "--out", run, "--steps", "4"])
            try #require(r.code == 0, "\(r.err)")
            try body(dir, c, run)
        }
    }

    /// The commands that read `weights` with the config `c`: eval, predict (on an input it
    /// writes in `dir`) and export.
    static func weightReaders(_ c: String, _ weights: String, dir: String) throws -> [[String]] {
        try NPY.write(NPYArray(shape: [2, 1, 8, 8], values: [Float](repeating: 0.5, count: 128)), to: "\(dir)/x.npy")
        return [["eval", c, "--weights", weights], ["predict", c, "--weights", weights, "--input", "\(dir)/x.npy", "--output", "\(dir)/y.npy"],
                ["export", c, "--weights", weights, "-o", "\(dir)/m.onnx"]]
    }

    static func metricsReached(_ directory: String, step: Int) -> Bool {
        (try? String(contentsOfFile: "\(directory)/metrics.jsonl", encoding: .utf8))?.contains("\"step\":\(step),") ?? false
    }

    // MARK: - Defect 4: one process per run directory

    @Test(.enabled(if: ConsoleTests.executable != nil))
    func aSecondRunIntoADirectoryInUseIsRefusedNamingTheHolderAndADeadHoldersLockDoesNotBlock() throws {
        try withTemporaryDirectory { dir in
            let c = try T.write(T.config(epochs: 400), dir)
            let run = "\(dir)/run"
            let first = try Self.spawn(["train", c, "--out", run])
            defer { if first.isRunning { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() } }
            #expect(Self.wait { Self.metricsReached(run, step: 20) }, "the first run did not get to step 20")
            let second = netrun(["train", c, "--out", run])
            #expect(second.code == 2, "\(second.err)")
            #expect(second.err.contains("\(run): error: the run directory is in use by process \(first.processIdentifier)"), "\(second.err)")
            let resume = netrun(["train", c, "--resume", run])
            #expect(resume.code == 2 && resume.err.contains("in use by process \(first.processIdentifier)"), "\(resume.err)")
            #expect(first.isRunning, "the refused runs stopped the first")
            // The holder dies without a word: its lock file stays, and blocks nothing.
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(FileManager.default.fileExists(atPath: "\(run)/.lock"))
            let after = netrun(["train", c, "--resume", run, "--steps", "\(try Self.savedStep(run) + 2)"])
            #expect(after.code == 0, "\(after.err)")
        }
    }

    static func savedStep(_ run: String) throws -> Int {
        let state = try Safetensors.read(path: "\(run)/state.safetensors")
        let json = try #require(state.metadata["netrun.state"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require((object["run"] as? [String: Any])?["step"] as? Int)
    }

    // MARK: - Defect 5: what a killed run leaves

    @Test func aRunRemovesStaleTemporariesAndAFreshRunTheEventFilesOfADeadOne() throws {
        try Self.withStoppedRun { dir, c, run in
            // As `kill -9` during saves leaves them (AtomicFile's names).
            let stale = [".state.safetensors.tmp-5599-3141592653", ".checkpoint-4.safetensors.tmp-5599-27", ".last.safetensors.tmp-1-2"]
            for name in stale { try Data(count: 100).write(to: URL(fileURLWithPath: "\(run)/\(name)")) }
            let resumed = netrun(["train", c, "--resume", run, "--steps", "6"])
            #expect(resumed.code == 0, "\(resumed.err)")
            #expect(Self.temporaries(run).isEmpty, "\(Self.listing(run))")

            // A run killed before its first checkpoint left an event file and metrics; a fresh
            // run into the directory starts both over: one event file, the new run's.
            let dead = "\(dir)/dead"
            try FileManager.default.createDirectory(atPath: dead, withIntermediateDirectories: false)
            let events = try #require(Self.listing(run).first { $0.hasPrefix("events.out.tfevents.") })
            try FileManager.default.copyItem(atPath: "\(run)/\(events)", toPath: "\(dead)/events.out.tfevents.1600000000.dead")
            try FileManager.default.copyItem(atPath: "\(run)/metrics.jsonl", toPath: "\(dead)/metrics.jsonl")
            let fresh = netrun(["train", c, "--out", dead, "--steps", "2"])
            #expect(fresh.code == 0, "\(fresh.err)")
            let left = Self.listing(dead).filter { $0.hasPrefix("events.out.tfevents.") }
            #expect(left.count == 1 && left.first != "events.out.tfevents.1600000000.dead", "\(left)")
        }
    }

    // MARK: - Defect 7: checksums

    /// Flips one bit of the last tensor's data (the file's last byte).
    static func damage(_ path: String) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    @Test func aDamagedCheckpointIsRefusedOnResumeEvalPredictAndExportNamingFileAndTensor() throws {
        try Self.withStoppedRun { dir, c, run in
            try FileManager.default.copyItem(atPath: "\(run)/state.safetensors", toPath: "\(dir)/state.copy")
            try Self.damage("\(run)/state.safetensors")
            let resume = netrun(["train", c, "--resume", run])
            #expect(resume.code == 2, "\(resume.err)")
            // The state's last tensor: the optimizer's momentum of fc.bias.
            #expect(resume.err.hasPrefix("\(run)/state.safetensors: error: tensor 'optimizer/"), "\(resume.err)")
            #expect(resume.err.contains("is damaged"), "\(resume.err)")

            try Self.damage("\(run)/last.safetensors")
            let weights = "\(run)/last.safetensors"
            for arguments in try Self.weightReaders(c, weights, dir: dir) + [["train", c, "--out", "\(dir)/tuned", "--weights", weights]] {
                let r = netrun(arguments)
                #expect(r.code == 2, "\(arguments[0]): \(r.err)")
                #expect(r.err.contains("\(weights): error: tensor 'fc.bias' is damaged: its 16 bytes have CRC-32 "), "\(arguments[0]): \(r.err)")
            }
            // Undamaged, the same state resumes.
            try FileManager.default.removeItem(atPath: "\(run)/state.safetensors")
            try FileManager.default.moveItem(atPath: "\(dir)/state.copy", toPath: "\(run)/state.safetensors")
            #expect(netrun(["train", c, "--resume", run, "--steps", "5"]).code == 0)
        }
    }

    // MARK: - Messages

    /// A resume whose state holds a bad weight: the file is named once.
    @Test func aBadWeightInTheStateNamesTheFileOnce() throws {
        try Self.withStoppedRun { dir, c, run in
            let path = "\(run)/state.safetensors"
            var state = try Safetensors.read(path: path)
            let index = try #require(state.tensors.firstIndex { $0.name == "model/c1.weight" })
            state.tensors[index].values[0] = .nan
            try Safetensors.write(state.tensors, metadata: state.metadata, to: path)
            let r = netrun(["train", c, "--resume", run])
            #expect(r.code == 2)
            #expect(r.err.hasPrefix("\(path): error: tensor 'c1.weight' has 1 value that is not finite"), "\(r.err)")
            #expect(r.err.components(separatedBy: "state.safetensors").count == 2, "\(r.err)")
        }
    }

    /// Files of the run directory replaced by what cannot be read, on a resume: each message
    /// names the file and says what is wrong, in words.
    @Test func damagedRunFilesAreNamedAndSaidInWordsOnAResume() throws {
        try Self.withStoppedRun { dir, c, run in

            // A line of metrics.jsonl that is not a record: said once, as file:line.
            let metrics = "\(run)/metrics.jsonl"
            let original = try Data(contentsOf: URL(fileURLWithPath: metrics))
            let lines = String(decoding: original, as: UTF8.self).split(separator: "\n").count
            try (original + Data("garbage\n".utf8)).write(to: URL(fileURLWithPath: metrics))
            let garbage = netrun(["train", c, "--resume", run])
            #expect(garbage.code == 2)
            #expect(garbage.err.contains("\n\(metrics):\(lines + 1): error: not a metrics record"), "\(garbage.err)")
            #expect(garbage.err.components(separatedBy: "not a metrics record").count == 2 && !garbage.err.contains("sinks failed"), "\(garbage.err)")
            try original.write(to: URL(fileURLWithPath: metrics))

            // The event file replaced by a directory.
            let events = try #require(Self.listing(run).first { $0.hasPrefix("events.out.tfevents.") })
            try FileManager.default.removeItem(atPath: "\(run)/\(events)")
            try FileManager.default.createDirectory(atPath: "\(run)/\(events)", withIntermediateDirectories: false)
            let directory = netrun(["train", c, "--resume", run])
            #expect(directory.code == 2)
            #expect(directory.err.contains("\(run)/\(events): error: cannot read the file to resume it: it is a directory, not a regular file"), "\(directory.err)")
            #expect(!directory.err.contains("NSCocoaErrorDomain"), "\(directory.err)")

            // state.safetensors a symbolic link loop.
            let state = "\(run)/state.safetensors"
            try FileManager.default.removeItem(atPath: state)
            #expect(symlink(state, state) == 0)
            let loop = netrun(["train", c, "--resume", run])
            #expect(loop.code == 2)
            #expect(loop.err.contains("state.safetensors cannot be read: its path is a loop of symbolic links") && !loop.err.contains("missing"), "\(loop.err)")
        }
    }

    /// A training state given where weights are expected: said so, with what to give instead.
    @Test func aTrainingStateGivenAsWeightsIsNamedAsSuch() throws {
        try Self.withStoppedRun { dir, c, run in
            let state = "\(run)/state.safetensors"
            for arguments in try Self.weightReaders(c, state, dir: dir) {
                let r = netrun(arguments)
                #expect(r.code == 2, "\(arguments[0]): \(r.err)")
                #expect(r.err.hasPrefix("\(state): error: this is a training state"), "\(arguments[0]): \(r.err)")
                #expect(r.err.contains("last.safetensors or best.safetensors") && r.err.contains("--resume"), "\(r.err)")
                #expect(!r.err.contains("missing tensor"), "\(r.err)")
            }
        }
    }

    // MARK: - kill -9

    /// A config whose run saves every step, with a dense layer large enough (2 MiB of
    /// weights; the state twice that) that much of a step is spent saving.
    static func killConfig(steps: Int) -> String {
        """
        name: kill
        model:
          input: [1, 8, 8]
          classes: 4
          layers:
            - conv: {name: c1, out: 4, kernel: 3, pad: 1, act: relu}
            - dropout: {rate: 0.2}
            - flatten
            - dense: {name: wide, out: 2048, act: relu}
            - dense: {name: fc, out: 4}
            - loss: {}
        train:
          steps: \(steps)
          batch: 8
          seed: 5
          optimizer: {type: sgd, lr: 0.01, momentum: 0.9}
          data: {format: synthetic, samples: 64}
          augment: [{mirror: {p: 0.5}}]
          checkpoint: {every: 1 step, keep: 2}
        """
    }

    /// A child `netrun train` killed with SIGKILL ten times, half of them the moment a
    /// temporary file appears (inside a save), half at a random moment, each time resumed
    /// (or started again when no state was saved yet): the run ends bitwise at the
    /// uninterrupted run's weights, and no temporary file is left.
    @Test(.enabled(if: ConsoleTests.executable != nil))
    func aRunKilledAtRandomMomentsAndResumedEndsBitwiseLikeAnUninterruptedOne() throws {
        try withTemporaryDirectory { dir in
            let steps = 400
            let c = try T.write(Self.killConfig(steps: steps), dir)
            let full = netrun(["train", c, "--out", "\(dir)/full"])
            #expect(full.code == 0, "\(full.err)")

            let run = "\(dir)/run"
            var generator = SystemRandomNumberGenerator()
            var leftBehind = 0, trials = 0
            for trial in 0 ..< 10 {
                let resuming = FileManager.default.fileExists(atPath: "\(run)/state.safetensors")
                let child = try Self.spawn(["train", c] + (resuming ? ["--resume", run] : ["--out", run]))
                if trial % 2 == 0 {
                    // Inside a save: the moment a temporary file appears.
                    Self.wait(seconds: 30, every: 200) { !Self.temporaries(run).isEmpty || !child.isRunning }
                } else {
                    usleep(UInt32.random(in: 50_000 ... 800_000, using: &generator))
                }
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
                if child.terminationReason == .exit {
                    #expect(child.terminationStatus == 0, "trial \(trial) ended with \(child.terminationStatus)")
                    break   // the run finished before the kill
                }
                trials += 1
                if !Self.temporaries(run).isEmpty { leftBehind += 1 }
            }
            #expect(trials >= 8, "the run finished after \(trials) kills: make it longer")
            #expect(leftBehind >= 1, "no kill landed inside a save")
            let resuming = FileManager.default.fileExists(atPath: "\(run)/state.safetensors")
            let last = netrun(["train", c] + (resuming ? ["--resume", run] : ["--out", run]))
            #expect(last.code == 0, "\(last.err)")
            let a = try T.tensors("\(dir)/full/last.safetensors"), b = try T.tensors("\(run)/last.safetensors")
            #expect(a.keys.sorted() == b.keys.sorted())
            for (name, values) in a { #expect(values.map(\.bitPattern) == b[name]?.map(\.bitPattern), "\(name) differs after the kills") }
            #expect(Self.temporaries(run).isEmpty, "\(Self.listing(run))")
        }
    }
}
