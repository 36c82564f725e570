// The runner's one entry point for `netrun train`: the loaded config and the options in, the
// run's ending and its time report out. The CLI loads and checks the config and the files,
// calls `Trainer.train`, and prints what it returns.
import NetrunBackend
import NetrunConfig
import NetrunDistributed
import NetrunGraph

/// What a `Trainer.train` call did: how the run ended, and the trainer's report.
public struct TrainReport: Sendable {
    public enum Ending: Sendable {
        /// The run was set up and ran to this outcome; its configured length in steps.
        case outcome(TrainOutcome, totalSteps: Int)
        /// The run could not be set up (data, weights, schedule, optimizer, resume): no step ran.
        case setupFailed(TrainError)
        /// The run stopped with an error after it was set up.
        case failed(TrainError)
    }

    public var ending: Ending
    /// `Trainer.timeReport`'s lines (none when no step loop ran).
    public var timeReport: [String]
}

extension Trainer {
    /// Sets up the run `config` and `graph` describe (its data, schedule, optimizer and, with
    /// `options.resume`, the saved state), runs it, and reports how it ended.
    public static func train(config: Config, graph: Graph, options: TrainOptions, sinks: [any MetricsSink],
                             communicator: any Communicator = SingleProcess()) -> TrainReport {
        let trainer: Trainer
        do {
            trainer = try Trainer(config: config, graph: graph, options: options, sinks: sinks, communicator: communicator)
        } catch {
            return TrainReport(ending: .setupFailed(error), timeReport: [])
        }
        let ending: TrainReport.Ending
        do { ending = .outcome(try trainer.run(), totalSteps: trainer.totalSteps) } catch { ending = .failed(error) }
        return TrainReport(ending: ending, timeReport: trainer.timeReport)
    }

    /// The memory training at the global `batch` needs on this machine, and what needs it
    /// (for the refusal): each of the `ranks` processes plans its own share of the batch
    /// (`localBatch`), and the `ranksHere` of them on this machine share its memory. `bytes`
    /// is nil when the size overflows. Nil when the batch does not split evenly over the
    /// ranks: `init` refuses that with its own message.
    public static func memoryNeed(graph: Graph, batch: Int, accumulate: Int = 1, ranks: Int,
                                  ranksHere: Int) -> (bytes: Int?, what: String)? {
        guard let local = localBatch(batch, ranks: ranks), let micro = microBatch(batch, ranks: ranks, accumulate: accumulate) else { return nil }
        let rank = Executor.requiredBytes(graph: graph, batch: micro, mode: .training)
        let passes = accumulate > 1 ? " in \(accumulate) micro-batches of \(micro)" : ""
        if ranks == 1 { return (rank, "training at batch \(batch)\(passes)") }
        return (ByteCount.product(rank, ranksHere),
                "training at batch \(batch) over \(ranks) ranks (\(local) examples each\(passes), \(ranksHere) of the ranks on this machine)")
    }

    /// The run directory when neither `--out` nor `--resume` names one: `train.checkpoint.dir`,
    /// relative to the config file that sets it (the default, and a `--set`, to the working
    /// directory).
    public static func defaultRunDirectory(_ train: TrainConfig) -> String {
        let dir = train.checkpoint.directory
        return dir.location.line > 0 && !dir.location.file.hasPrefix("--set")
            ? ConfigLoader.resolvePath(dir.value, relativeTo: dir.location.file) : dir.value
    }
}
