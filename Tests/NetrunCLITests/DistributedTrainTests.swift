import Foundation
import NetrunBackend
import NetrunDistributed
import NetrunFormats
import Testing
import _NetrunTestSupport

/// `mpirun -np N netrun train`: N ranks with the global batch split end where one process
/// with the whole batch ends; a bad split or a resume with another rank count is refused; a
/// rank that dies or stops answering ends the job instead of hanging it.
///
/// Needs the netrun executable built with MPI and Open MPI's mpirun (Debian openmpi-bin):
/// skipped without them, unless NETRUN_REQUIRE_MPI=1 (CI), which makes their absence a failure.
@Suite(.serialized) struct DistributedTrainTests {
    static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["NETRUN_REQUIRE_MPI"] == "1"
    static let usable = mpirun != nil && ConsoleTests.executable != nil && Distributed.isAvailable
    static let fashion = FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")

    struct Result {
        var status: Int32
        var out: String
        var err: String
        var seconds: Double
    }

    /// Runs `arguments` (the first is the program) to its end, or kills it after `limit` seconds.
    static func run(_ arguments: [String], environment: [String: String] = [:], limit: Double = 600,
                    whileRunning: ((Process) -> Void)? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: arguments[0])
        p.arguments = Array(arguments.dropFirst())
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netrun-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Files, not pipes: a full pipe would stall the job.
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        let start = Date()
        try p.run()
        whileRunning?(p)
        while p.isRunning && Date().timeIntervalSince(start) < limit { usleep(50_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return Result(status: p.terminationStatus, out: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      err: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "", seconds: Date().timeIntervalSince(start))
    }

    static func mpi(_ ranks: Int, _ arguments: [String], environment: [String: String] = [:], limit: Double = 600,
                    whileRunning: ((Process) -> Void)? = nil) throws -> Result {
        let launcher = try #require(mpirun), netrun = try #require(ConsoleTests.executable)
        return try run([launcher, "--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", netrun] + arguments,
                       environment: environment, limit: limit, whileRunning: whileRunning)
    }

    static func single(_ arguments: [String]) throws -> Result {
        try run([try #require(ConsoleTests.executable)] + arguments)
    }

    /// `||a - b|| / ||b||` for every tensor of two weight files (the same names and shapes).
    static func relativeErrors(_ a: String, _ b: String) throws -> [String: Double] {
        let x = try Safetensors.read(path: a).tensors, y = Dictionary(uniqueKeysWithValues: try Safetensors.read(path: b).tensors.map { ($0.name, $0) })
        #expect(!x.isEmpty && x.count == y.count)
        var errors: [String: Double] = [:]
        for t in x {
            let u = try #require(y[t.name], "\(t.name) missing")
            #expect(t.shape == u.shape)
            errors[t.name] = relativeError(t.values, u.values)
        }
        return errors
    }

    /// Every tensor of two weight files within `tolerance` (`||a - b|| / ||b||`).
    static func expectSameWeights(_ a: String, _ b: String, tolerance: Double = 1e-5) throws {
        for (tensor, e) in try relativeErrors(a, b) {
            #expect(e <= tolerance, "\(tensor): relative difference \(e)")
        }
    }

    @Test func mpiIsHereWhenCIRequiresIt() {
        if Self.required {
            #expect(Self.mpirun != nil, "mpirun (openmpi-bin) is missing")
            #expect(Distributed.isAvailable, "netrun was built without MPI (libopenmpi-dev missing at build time)")
            #expect(Self.fashion, "the Fashion-MNIST files (dataset-fashion-mnist) are missing")
        }
    }

    /// Two ranks of 64 against one process of 128, with the real recipe (random crops,
    /// mirrors, dropout, fashion-googlenet's training-only heads), 20 steps: bitwise the same
    /// weights. A rank reading the wrong examples, another crop or dropout mask, or an
    /// unaveraged gradient differs by 1e-3 or more after one step. The one process runs two
    /// threads and each rank one: the process makes its matrix products per part of the
    /// batch, one part per thread, as the ranks do, and adds the parts' gradients itself, so
    /// the ranks' all-reduce is its last addition (Parallel.batchParts says what this rests
    /// on). Another summation order, or another product shape, is not enough: these networks
    /// amplify rounding, and one process with 1 thread against 2 differs by up to 3e-3 after
    /// 20 steps (fashion-alexnet), 6.5e-2 where a BLAS rounds other shapes otherwise.
    /// .ci/cpus runs it under each of OpenBLAS's kernel families.
    @Test(.enabled(if: usable && fashion), arguments: ["fashion-alexnet", "fashion-googlenet"])
    func twoRanksTrainAsOneProcessWithTheWholeBatch(_ name: String) throws {
        try withTemporaryDirectory { dir in
            func train(_ ranks: Int, _ out: String) throws -> String {
                let arguments = ["train", configPath(name), "--steps", "20", "--out", "\(dir)/\(out)"]
                let r = ranks == 1 ? try Self.run([try #require(ConsoleTests.executable)] + arguments, environment: ["NETRUN_THREADS": "2"])
                                   : try Self.mpi(ranks, arguments, environment: ["NETRUN_THREADS": "1"])
                #expect(r.status == 0, "\(r.err)")
                if ranks > 1 {
                    #expect(r.err.contains("gradient exchange:") && r.err.contains("between 2 ranks of 64 examples each"), "\(r.err)")
                    // Rank 0 alone prints the result and writes the run directory.
                    #expect(r.out.components(separatedBy: "trained").count - 1 <= 1 && r.out.contains("stopped after step 20"), "\(r.out)")
                }
                return "\(dir)/\(out)/last.safetensors"
            }
            try Self.expectBitwiseSameWeights(try train(2, "two"), try train(1, "one"))
        }
    }

    /// Every tensor of two weight files bitwise equal; a difference is reported as the
    /// tensor's relative difference and its count of unequal values.
    static func expectBitwiseSameWeights(_ a: String, _ b: String) throws {
        let x = try Safetensors.read(path: a).tensors, y = Dictionary(uniqueKeysWithValues: try Safetensors.read(path: b).tensors.map { ($0.name, $0) })
        #expect(!x.isEmpty && x.count == y.count)
        for t in x {
            let u = try #require(y[t.name], "\(t.name) missing")
            #expect(t.shape == u.shape)
            let unequal = zip(t.values, u.values).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(unequal == 0 && t.values.count == u.values.count,
                    "\(t.name): \(unequal) of \(t.values.count) values differ, relative difference \(relativeError(t.values, u.values))")
        }
    }

    /// The memory check before training counts each rank's plan (batch / ranks), times the
    /// ranks on this machine, which share its memory; it named the global batch before, and a
    /// job spread over machines was refused for N times one rank's need.
    @Test(.enabled(if: usable)) func theMemoryCheckCountsEachRanksShareOfTheBatch() throws {
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.replacingOccurrences(of: "input: [1, 8, 8]", with: "input: [3, 512, 512]")
                .replacingOccurrences(of: "batch: 6", with: "batch: 65536").write(toFile: c, atomically: true, encoding: .utf8)
            let r = try Self.mpi(2, ["train", c, "--out", "\(dir)/run"], limit: 120)
            #expect(r.status == 2, "\(r.err)")
            let line = "error: training at batch 65536 over 2 ranks (32768 examples each, 2 of the ranks on this machine) needs "
            #expect(r.err.contains(line), "\(r.err)")
            let rank = try #require(Executor.requiredBytes(graph: try loadGraph(c), batch: 32768, mode: .training))
            try #require(2 * rank > Int(clamping: ProcessInfo.processInfo.physicalMemory), "a machine this large would start the run")
            // Each rank's plan: its workspace follows its threads (one core each under mpirun), so
            // the figure is this process's to within a few MB.
            let figure = try #require(r.err.firstMatch(of: /needs ([0-9.]+) GB of memory/).flatMap { Double($0.output.1) })
            #expect(abs(figure * 1e9 - Double(2 * rank)) < 1e-3 * Double(2 * rank), "\(figure) GB against 2 x \(rank) bytes")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/run/state.safetensors"))
        }
    }

    /// A small network without batch norm: evaluation split over 3 ranks (examples 0-6, 7-13,
    /// 14-20) reports what one process measures, and the logged losses agree.
    static let small = """
        name: small
        model:
          input: [1, 8, 8]
          classes: 4
          layers:
            - conv: {name: c1, out: 4, kernel: 3, pad: 1, act: relu}
            - dropout: {rate: 0.2}
            - maxpool: {kernel: 2, stride: 2}
            - flatten
            - dense: {name: fc, out: 4}
            - loss: {top_k: [1, 2]}
        train:
          steps: 12
          batch: 6
          seed: 3
          optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
          data: {format: synthetic, samples: 60}
          augment: [{mirror: {p: 0.5}}]
          checkpoint: {every: 4 steps, keep: 2, best: val_top1}
        eval:
          data: {format: synthetic, samples: 21}
          batch: 4
          every: 4 steps
        """

    static func write(_ text: String, _ dir: String, _ name: String) throws -> String {
        try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        return "\(dir)/\(name)"
    }

    static func lines(_ path: String, _ key: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0[key] != nil }
    }

    @Test(.enabled(if: usable)) func evaluationSplitOverRanksMeasuresWhatOneProcessMeasures() throws {
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.write(toFile: c, atomically: true, encoding: .utf8)
            let one = try Self.single(["train", c, "--out", "\(dir)/one"])
            #expect(one.status == 0, "\(one.err)")
            let three = try Self.mpi(3, ["train", c, "--out", "\(dir)/three"])
            #expect(three.status == 0, "\(three.err)")
            let a = try Self.lines("\(dir)/one/metrics.jsonl", "val_top1"), b = try Self.lines("\(dir)/three/metrics.jsonl", "val_top1")
            #expect(a.count == 3 && b.count == 3)
            for (x, y) in zip(a, b) {
                #expect(x["val_examples"] as? Int == 21 && y["val_examples"] as? Int == 21)
                #expect(x["val_top1"] as? Double == y["val_top1"] as? Double && x["val_top5"] as? Double == y["val_top5"] as? Double)
                let lx = try #require(x["val_loss"] as? Double), ly = try #require(y["val_loss"] as? Double)
                #expect(abs(lx - ly) <= 1e-5 * abs(lx), "val_loss \(lx) against \(ly)")
            }
            let la = try Self.lines("\(dir)/one/metrics.jsonl", "loss").compactMap { $0["loss"] as? Double }
            let lb = try Self.lines("\(dir)/three/metrics.jsonl", "loss").compactMap { $0["loss"] as? Double }
            #expect(la.count == lb.count && !la.isEmpty)
            for (x, y) in zip(la, lb) { #expect(abs(x - y) <= 1e-5 * max(abs(x), 1e-3), "train loss \(x) against \(y)") }
            try Self.expectSameWeights("\(dir)/three/last.safetensors", "\(dir)/one/last.safetensors")
            try Self.expectSameWeights("\(dir)/three/best.safetensors", "\(dir)/one/best.safetensors")
        }
    }

    /// `drop_last: false` over 62 examples at a global batch of 6: each epoch ends with a step
    /// of 2, split over 3 ranks as 0 + 1 + 1 (one rank sends zeros, the others' means weigh
    /// by their share). 12 steps cross that step once; the weights are one process's.
    @Test(.enabled(if: usable)) func aLastSmallerStepSplitUnevenlyOverRanksTrainsAsOneProcess() throws {
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.replacingOccurrences(of: "data: {format: synthetic, samples: 60}", with: "data: {format: synthetic, samples: 62, drop_last: false}")
                .write(toFile: c, atomically: true, encoding: .utf8)
            let one = try Self.single(["train", c, "--out", "\(dir)/one"])
            #expect(one.status == 0, "\(one.err)")
            #expect(one.out.contains("11 steps") || one.err.contains("11 steps"), "\(one.out)\n\(one.err)")
            let three = try Self.mpi(3, ["train", c, "--out", "\(dir)/three"])
            #expect(three.status == 0, "\(three.err)")
            let la = try Self.lines("\(dir)/one/metrics.jsonl", "loss").compactMap { $0["loss"] as? Double }
            let lb = try Self.lines("\(dir)/three/metrics.jsonl", "loss").compactMap { $0["loss"] as? Double }
            #expect(la.count == lb.count && !la.isEmpty)
            for (x, y) in zip(la, lb) { #expect(abs(x - y) <= 1e-5 * max(abs(x), 1e-3), "train loss \(x) against \(y)") }
            try Self.expectSameWeights("\(dir)/three/last.safetensors", "\(dir)/one/last.safetensors")
            // Without drop_last the weights differ from a run that leaves the remainder out.
            let dropping = try Self.single(["train", c, "--set", "train.data.drop_last=true", "--out", "\(dir)/dropping"])
            #expect(dropping.status == 0, "\(dropping.err)")
            #expect(try Self.relativeErrors("\(dir)/dropping/last.safetensors", "\(dir)/one/last.safetensors").values.contains { $0 > 1e-4 })
        }
    }

    /// Mixup and CutMix pair each example with the one at the mirrored place of the whole
    /// batch, which under MPI is on the mirrored rank: each rank loads that rank's part too,
    /// so 2 ranks train as one process (and not as an unmixed run).
    @Test(.enabled(if: usable)) func mixupAndCutMixOverRanksPairAcrossTheWholeBatch() throws {
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.replacingOccurrences(of: "augment: [{mirror: {p: 0.5}}]",
                                                with: "augment: [{mirror: {p: 0.5}}, {mixup: {alpha: 0.4}}, {cutmix: {alpha: 1, p: 0.5}}]")
                .write(toFile: c, atomically: true, encoding: .utf8)
            let one = try Self.single(["train", c, "--out", "\(dir)/one"])
            #expect(one.status == 0, "\(one.err)")
            let two = try Self.mpi(2, ["train", c, "--out", "\(dir)/two"])
            #expect(two.status == 0, "\(two.err)")
            try Self.expectSameWeights("\(dir)/two/last.safetensors", "\(dir)/one/last.safetensors")
            let plain = try Self.single(["train", Self.write(Self.small, dir, "plain.yaml"), "--out", "\(dir)/plain"])
            #expect(plain.status == 0, "\(plain.err)")
            #expect(try Self.relativeErrors("\(dir)/plain/last.safetensors", "\(dir)/one/last.safetensors").values.contains { $0 > 1e-3 })
        }
    }

    @Test(.enabled(if: usable)) func aBatchThatDoesNotSplitEvenlyIsRefusedNamingBothNumbers() throws {
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.write(toFile: c, atomically: true, encoding: .utf8)
            let r = try Self.mpi(4, ["train", c, "--out", "\(dir)/run"], limit: 120)
            #expect(r.status == 2, "\(r.status)")
            #expect(r.err.contains("small.yaml:14:10: error: train.batch 6 cannot be split evenly over 4 ranks"), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/run/state.safetensors"))
        }
    }

    @Test(.enabled(if: usable)) func aResumeWithAnotherNumberOfRanksIsRefusedAndWithTheSameGoesOn() throws {
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.write(toFile: c, atomically: true, encoding: .utf8)
            let first = try Self.mpi(2, ["train", c, "--out", "\(dir)/run", "--steps", "4"])
            #expect(first.status == 0, "\(first.err)")
            let alone = try Self.single(["train", c, "--resume", "\(dir)/run"])
            #expect(alone.status == 2)
            #expect(alone.err.contains("the run was trained by 2 processes and would go on with 1: resume it with the same number (mpirun -np 2)"), "\(alone.err)")
            let three = try Self.mpi(3, ["train", c, "--resume", "\(dir)/run"], limit: 120)
            #expect(three.status == 2 && three.err.contains("trained by 2 processes and would go on with 3"), "\(three.err)")
            let two = try Self.mpi(2, ["train", c, "--resume", "\(dir)/run"])
            #expect(two.status == 0, "\(two.err)")
            // And it ends where an uninterrupted two-rank run ends.
            let straight = try Self.mpi(2, ["train", c, "--out", "\(dir)/straight"])
            #expect(straight.status == 0, "\(straight.err)")
            let a = try Safetensors.read(path: "\(dir)/run/last.safetensors").tensors
            let b = try Safetensors.read(path: "\(dir)/straight/last.safetensors").tensors
            #expect(a.map(\.values) == b.map(\.values))
        }
    }

    /// The ranks of a long run, found by the run directory on their command line.
    static func ranks(of directory: String) -> [Int32: Int] {
        var found: [Int32: Int] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry),
                  let cmd = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  String(decoding: cmd, as: UTF8.self).contains(directory),
                  let env = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            for item in env.split(separator: 0) {
                let s = String(decoding: item, as: UTF8.self)
                if s.hasPrefix("OMPI_COMM_WORLD_RANK="), let r = Int(s.dropFirst(21)), String(decoding: cmd, as: UTF8.self).hasPrefix(ConsoleTests.executable ?? "?") {
                    found[pid] = r
                }
            }
        }
        return found
    }

    /// Waits until the run has logged a step, then does `act` to rank 1.
    static func whenTraining(_ dir: String, _ act: @escaping (Int32) -> Void) -> (Process) -> Void {
        { _ in
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                if let t = try? String(contentsOfFile: "\(dir)/metrics.jsonl", encoding: .utf8), t.contains("\"step\":20,") { break }
                usleep(50_000)
            }
            if let pid = ranks(of: dir).first(where: { $0.value == 1 })?.key { act(pid) }
        }
    }

    @Test(.enabled(if: usable)) func aRankThatDiesEndsTheWholeJob() throws {
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.replacingOccurrences(of: "steps: 12", with: "steps: 10000000").write(toFile: c, atomically: true, encoding: .utf8)
            let r = try Self.mpi(2, ["train", c, "--out", "\(dir)/run"], limit: 180,
                                 whileRunning: Self.whenTraining("\(dir)/run") { kill($0, SIGKILL) })
            #expect(r.status != 0)
            #expect(r.seconds < 170, "the job outlived its rank by \(r.seconds) s")
            #expect(Self.ranks(of: "\(dir)/run").isEmpty, "a rank is still running")
        }
    }

    @Test(.enabled(if: usable)) func aRankThatStopsAnsweringEndsTheJobAfterTheTimeoutWithAMessage() throws {
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.replacingOccurrences(of: "steps: 12", with: "steps: 10000000").write(toFile: c, atomically: true, encoding: .utf8)
            var stopped: Int32 = 0
            let r = try Self.mpi(2, ["train", c, "--out", "\(dir)/run"], environment: ["NETRUN_MPI_TIMEOUT": "3"], limit: 120,
                                 whileRunning: Self.whenTraining("\(dir)/run") { stopped = $0; kill($0, SIGSTOP) })
            if stopped != 0 { kill(stopped, SIGKILL) }
            #expect(stopped != 0, "rank 1 was not found")
            #expect(r.status == 4, "\(r.status): \(r.err)")
            #expect(r.err.contains("rank 0 of 2: the all-reduce of") && r.err.contains("waited 3 s (NETRUN_MPI_TIMEOUT) for the other ranks"), "\(r.err)")
            #expect(r.seconds < 100)
        }
    }

    // Two hosts on one machine: each rank in its own network namespace, joined by a veth pair,
    // so that MPI talks TCP between 10.77.x.1 and 10.77.x.2 as it would between two machines.

    /// Runs `ip` with `arguments`; its standard output, or nil when it fails.
    @discardableResult
    static func ip(_ arguments: [String]) -> String? {
        guard let r = try? run(["/usr/sbin/ip"] + arguments, limit: 30), r.status == 0 else { return nil }
        return r.out
    }

    /// Two namespaces `<name>a` and `<name>b` with the veth pair `<name>a`/`<name>b` at
    /// 10.77.`subnet`.1 and .2; nil (and nothing left behind) when the system refuses.
    static func hosts(_ name: String, subnet: Int) -> (a: String, b: String)? {
        let a = name + "a", b = name + "b"
        let steps = [["netns", "add", a], ["netns", "add", b],
                     ["link", "add", a, "netns", a, "type", "veth", "peer", "name", b, "netns", b],
                     ["-n", a, "addr", "add", "10.77.\(subnet).1/24", "dev", a], ["-n", b, "addr", "add", "10.77.\(subnet).2/24", "dev", b],
                     ["-n", a, "link", "set", "lo", "up"], ["-n", b, "link", "set", "lo", "up"],
                     ["-n", a, "link", "set", a, "up"], ["-n", b, "link", "set", b, "up"]]
        for step in steps where ip(step) == nil {
            removeHosts(name)
            return nil
        }
        return (a, b)
    }

    static func removeHosts(_ name: String) {
        ip(["netns", "del", name + "a"])
        ip(["netns", "del", name + "b"])
    }

    /// Whether this system lets netrun's tests make network namespaces (root, CAP_NET_ADMIN,
    /// iproute2, veth).
    static let namespaces: Bool = {
        guard usable, getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else { return false }
        let name = "nrp\(getpid() % 100_000)"
        guard hosts(name, subnet: 76) != nil else { return false }
        removeHosts(name)
        return true
    }()

    /// Bytes sent by a namespace's veth end.
    static func sentBytes(_ namespace: String) throws -> Int {
        let json = try #require(ip(["-n", namespace, "-j", "-s", "link", "show", namespace]))
        let links = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let stats = try #require(links.first?["stats64"] as? [String: Any])
        return try #require((stats["tx"] as? [String: Any])?["bytes"] as? Int)
    }

    @Test(.enabled(if: namespaces)) func twoRanksOnTwoNetworkHostsTrainAsOneProcess() throws {
        let name = "nrt\(getpid() % 100_000)"
        let (a, b) = try #require(Self.hosts(name, subnet: 77), "the namespaces could not be made")
        defer { Self.removeHosts(name) }
        try withTemporaryDirectory { dir in
            let c = "\(dir)/small.yaml"
            try Self.small.write(toFile: c, atomically: true, encoding: .utf8)
            // Open MPI starts its daemon on a host with `agent HOST COMMAND...`, as with ssh:
            // here the agent enters the host's namespace.
            let agent = "\(dir)/agent.sh"
            try """
                #!/bin/sh
                host=$1; shift
                case "$host" in
                  10.77.77.1) ns=\(a) ;;
                  10.77.77.2) ns=\(b) ;;
                  *) echo "agent: unknown host $host" >&2; exit 1 ;;
                esac
                exec /usr/sbin/ip netns exec "$ns" sh -c "$*"
                """.write(toFile: agent, atomically: true, encoding: .utf8)
            chmod(agent, 0o755)
            let one = try Self.single(["train", c, "--out", "\(dir)/one"])
            #expect(one.status == 0, "\(one.err)")
            let before = try Self.sentBytes(b)
            let launcher = try #require(Self.mpirun), netrun = try #require(ConsoleTests.executable)
            let two = try Self.run(["/usr/sbin/ip", "netns", "exec", a, launcher, "--allow-run-as-root", "-np", "2",
                                    "--host", "10.77.77.1:1,10.77.77.2:1", "--mca", "plm_rsh_agent", agent,
                                    "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "10.77.77.0/24",
                                    "--mca", "oob_tcp_if_include", "10.77.77.0/24",
                                    netrun, "train", c, "--out", "\(dir)/two"], limit: 300)
            #expect(two.status == 0, "\(two.err)")
            #expect(two.err.contains("between 2 ranks of 3 examples each"), "\(two.err)")
            // Rank 1's gradients crossed the veth pair: 12 steps of 300 floats at least.
            let sent = try Self.sentBytes(b) - before
            #expect(sent >= 12 * 300 * 4, "rank 1's host sent \(sent) bytes")
            try Self.expectSameWeights("\(dir)/two/last.safetensors", "\(dir)/one/last.safetensors")
        }
    }
}

/// NETRUN_THREADS: a value that is not a thread count is refused before any work.
struct ThreadSettingTests {
    @Test(.enabled(if: ConsoleTests.executable != nil)) func anInvalidThreadCountIsRefusedAtStartUp() throws {
        let netrun = try #require(ConsoleTests.executable)
        let bad = try DistributedTrainTests.run([netrun, "summary", configPath("fashion-alexnet")], environment: ["NETRUN_THREADS": "zero"])
        #expect(bad.status == 2)
        #expect(bad.err == "error: NETRUN_THREADS=zero: expected the number of threads, a whole number from 1 to 1024\n", "\(bad.err)")
        let one = try DistributedTrainTests.run([netrun, "summary", configPath("fashion-alexnet")], environment: ["NETRUN_THREADS": "1"])
        #expect(one.status == 0 && one.out.contains("1,106,794"), "\(one.err)")
    }
}
