import ArgumentParser
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunDistributed
import NetrunFormats
import NetrunRunner

/// `netrun train CONFIG`: the training loop, with evaluation, checkpoints and metrics.
struct Train: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the model as the config's train section says, evaluating and saving as it goes.",
        discussion: """
        The run directory (--out, else train.checkpoint.dir, else runs/<name>) receives config.yaml \
        (the resolved config), metrics.jsonl, TensorBoard event files, curves.svg, last.safetensors, \
        best.safetensors, periodic checkpoint-<step>.safetensors and state.safetensors (everything \
        --resume needs); the running process holds its .lock, so a second run or resume into the \
        directory is refused, naming that process. Ctrl-C or SIGTERM finishes the step, saves and \
        exits 130. Exit codes: 0 done, \
        1 config errors, 2 a file or setting that cannot be used, 3 the loss became NaN or infinite \
        (the last checkpoint is kept), 4 the ranks of an MPI run lost each other, 130 interrupted.

        Under mpirun (`mpirun -np N netrun train CONFIG`) the N processes train data-parallel: \
        train.batch is the global batch, split evenly over them; gradients are averaged after \
        each backward; rank 0 prints and writes the run directory. See the README.
        """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("The run directory (default: train.checkpoint.dir, else runs/<name>).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Continue the run saved in this directory.", valueName: "dir"))
    var resume: String?

    @Option(help: ArgumentHelp("Start from these weights (.safetensors) instead of the fillers.", valueName: "file"))
    var weights: String?

    @Option(help: "Stop after this step of the run (steps before a resume count); the schedule keeps the configured length.")
    var steps: Int?

    @Option(help: "The seed (overrides train.seed).")
    var seed: Int?

    func validate() throws {
        try validateOverrides(options.overrides)
        if let steps { try NetrunCLI.validate(steps, in: 1 ... Limits.steps, option: "steps") }
        if let seed { try NetrunCLI.validate(seed, in: 0 ... Int.max, option: "seed") }
        if out != nil && resume != nil { throw ValidationError("--out and --resume both name the run directory: give one") }
    }

    func execute(_ console: Console) -> Int32 {
        // First: a Ctrl-C or SIGTERM from here on stops the run at a step and saves (one
        // arriving during the set-up stops it before its first step).
        Interrupt.install()
        let communicator: any Communicator
        do { communicator = try Distributed.start() } catch {
            console.printError("error: \(error.description)")
            return ExitStatus.usage
        }
        // Rank 0 speaks for the job; another rank prints only its own failures, and any
        // failure ends every rank (never one left waiting for the others).
        let rankConsole = communicator.isRoot ? console : Console(.buffer)
        let code = run(rankConsole, communicator)
        if communicator.size > 1 && code != ExitStatus.ok && code != ExitStatus.interrupted {
            if !communicator.isRoot {
                for line in rankConsole.err.split(separator: "\n") { console.printError("rank \(communicator.rank): \(line)") }
            }
            communicator.abort(code: code)
        }
        communicator.finish()
        return code
    }

    func run(_ console: Console, _ communicator: any Communicator) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        let config = checked.config
        guard let train = config.train else {
            console.printError("\(options.file): error: the config has no 'train' section")
            return ExitStatus.configErrors
        }
        let directory = resume ?? out ?? Trainer.defaultRunDirectory(train)
        // Rank 0, which alone writes the run directory, holds its lock for the whole run
        // (released by the defer); the directory's other checks are made holding it, so no
        // other run can save or finish there between the check and this run's start.
        var lock: RunDirectoryLock?
        defer { lock?.release() }
        do {
            if let weights { try InputFile.check(weights, what: "weights file", limit: .memory) }
            try Self.checkIsADirectory(directory)
            if communicator.isRoot && (resume == nil || FileManager.default.fileExists(atPath: directory)) {
                lock = try RunDirectoryLock(directory: directory)
            }
            try Self.checkRunDirectory(directory, resuming: resume != nil, inputs: [(options.file, "the config")] + (weights.map { [($0, "--weights")] } ?? []))
        } catch {
            console.printError("\(error)")
            return ExitStatus.usage
        }
        let ranksHere = MemoryCheck.ranksOnThisMachine(ranks: communicator.size, environment: ProcessInfo.processInfo.environment)
        if let refusal = MemoryCheck.training(graph: checked.graph, batch: train.batch.value, accumulate: train.accumulate.value,
                                                 ranks: communicator.size, ranksHere: ranksHere) {
            console.printError(refusal)
            return ExitStatus.usage
        }
        if let code = Netrun.prepareCompute(console) { return code }
        let sinks: [any MetricsSink] = !communicator.isRoot ? [] : [
            MetricsTerminalSink(isTerminal: console.errorIsTerminal, write: { console.printError($0, terminator: "") }),
            MetricsJSONLSink(runDirectory: directory),
            TensorBoardSink(runDirectory: directory),
            MetricsCurvesSink(runDirectory: directory),
        ]
        let report = Trainer.train(config: config, graph: checked.graph,
                                   options: TrainOptions(runDirectory: directory, resume: resume != nil, weights: weights,
                                                         stopAfter: steps, seed: seed),
                                   sinks: sinks, communicator: communicator)
        defer { for line in report.timeReport { console.printError(line) } }
        switch report.ending {
        case .outcome(.finished(let step), _):
            console.print("\(directory): trained \(step) steps")
            return ExitStatus.ok
        case .outcome(.stopped(let step), let totalSteps):
            console.print("\(directory): stopped after step \(step) of \(totalSteps) (--steps); continue with --resume \(directory)")
            return ExitStatus.ok
        case .outcome(.interrupted(let step), _):
            console.print("\(directory): interrupted after step \(step); saved, continue with --resume \(directory)")
            return ExitStatus.interrupted
        case .setupFailed(let error):
            console.printError(error.description)
            return ExitStatus.usage
        case .failed(let error):
            console.printError(error.diagnostic(runDirectory: directory))
            return error.exitStatus
        }
    }

    /// The run directory is a directory, or does not exist yet.
    static func checkIsADirectory(_ directory: String) throws(FileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && !isDirectory.boolValue {
            throw FileError(path: directory, kind: .notARegularFile, message: "the run directory is a file, not a directory")
        }
    }

    /// The run directory: a directory (or a new one) that is not one of the inputs, holding
    /// no other run unless resuming one; none of the files the run writes is an input.
    static func checkRunDirectory(_ directory: String, resuming: Bool, inputs: [(path: String, what: String)]) throws(FileError) {
        try checkIsADirectory(directory)
        let exists = FileManager.default.fileExists(atPath: directory)
        let state = "\(directory)/state.safetensors"
        if resuming, let problem = PathProblem(path: state) {
            throw FileError(path: directory, kind: .invalidArgument, message: problem == .missing ? "no run to resume here (state.safetensors is missing)"
                              : "cannot resume the run here: its state.safetensors cannot be read: \(problem.phrase)")
        }
        if !resuming && FileManager.default.fileExists(atPath: state) {
            throw FileError(path: directory, kind: .invalidArgument, message: "the directory already holds a run; continue it with --resume \(directory), or give another --out")
        }
        guard exists else { return }
        for name in ["config.yaml", "last.safetensors", "best.safetensors", "metrics.jsonl", "curves.svg", "state.safetensors"] {
            try OutputPath.check("\(directory)/\(name)", what: "run's \(name)", inputs: inputs)
        }
    }
}

extension TrainError {
    /// The line(s) `train` prints: a file's error is its own diagnostic (`img.idx: error: ...`),
    /// as is a setting's (it names its config position); the others are the run directory's.
    func diagnostic(runDirectory: String) -> String {
        if let file { return file.description }
        return kind == .input ? description : "\(runDirectory): error: \(description)"
    }

    /// `train`'s exit code: 2 for a file (whatever its `FileError.Kind`) or setting that
    /// cannot be used, 3 for a non-finite loss, 4 when the ranks lost each other.
    var exitStatus: Int32 {
        switch kind {
        case .input: ExitStatus.usage
        case .nonFinite: ExitStatus.diverged
        case .distributed: ExitStatus.distributed
        }
    }
}
