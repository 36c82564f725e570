// What goes into a run and what comes out of it: the options of `netrun train`, the error
// that ends a run (with the file error behind it, if any) and how a run ended.
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunData
import NetrunDistributed
import NetrunFormats
import NetrunGraph
import NetrunKernels

/// How one `netrun train` runs.
public struct TrainOptions: Sendable {
    /// The run directory (created when missing).
    public var runDirectory: String
    /// Continue the run saved in `runDirectory`.
    public var resume: Bool
    /// Start from these weights (finetuning) instead of the fillers.
    public var weights: String?
    /// Stop after this step of the run (steps before a resume count); the schedule still
    /// follows the configured length.
    public var stopAfter: Int?
    /// Overrides `train.seed`.
    public var seed: Int?
    /// Report a training step to the sinks every this many steps (and at each epoch's end).
    public var logEvery: Int

    public init(runDirectory: String, resume: Bool = false, weights: String? = nil, stopAfter: Int? = nil, seed: Int? = nil,
                logEvery: Int = 10) {
        self.runDirectory = runDirectory
        self.resume = resume
        self.weights = weights
        self.stopAfter = stopAfter
        self.seed = seed
        self.logEvery = logEvery
    }
}

/// Why a run could not start or go on. `description` names the file, step or node.
public struct TrainError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A file or setting that cannot be used (exit 2). Its description names the file
        /// or the config position first, as a diagnostic: `img.idx: error: ...`.
        case input
        /// The loss or a gradient became NaN or infinite (exit 3).
        case nonFinite
        /// The ranks of a data-parallel run could not exchange (exit 4): the job ends.
        case distributed
    }

    public var kind: Kind
    public var description: String
    /// The file problem behind an `.input` error, when a file is what could not be used (a
    /// data file, the weights, the run directory, its saved state): its path and `kind`
    /// survive to the caller. nil for a config setting, a non-finite loss or the ranks.
    public var file: FileError?

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
        self.file = nil
    }

    /// An input error about a file; it reads as the file error does.
    public init(_ file: FileError) {
        kind = .input
        description = file.description
        self.file = file
    }

    /// An input error for `error`: a `FileError` as itself, anything else by its description.
    static func input(_ error: any Error) -> TrainError {
        if let file = error as? FileError { return TrainError(file) }
        return TrainError(.input, "\(error)")
    }
}

/// How a run ended.
public enum TrainOutcome: Sendable, Equatable {
    case finished(step: Int)
    /// Stopped by `--steps` before the configured length.
    case stopped(step: Int)
    /// Stopped by SIGINT or SIGTERM after saving (exit 130).
    case interrupted(step: Int)
}
