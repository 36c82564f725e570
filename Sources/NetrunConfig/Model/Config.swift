/// A whole configuration: the network, how to train it, how to evaluate it. Built by
/// `ConfigLoader` after inheritance, overrides and block expansion, every value checked.
public struct Config: Equatable, Sendable {
    /// The file it was loaded from.
    public var file: String
    public var name: String
    public var model: ModelConfig
    public var train: TrainConfig?
    public var eval: EvalConfig?
    /// The fully resolved document (after `extends`, `--set` and block expansion), each value
    /// with its origin: what `netrun config` prints.
    public var resolved: YAMLNode
}

/// The `model:` section.
public struct ModelConfig: Equatable, Sendable {
    /// Channels, height and width of one input image.
    public var input: Located<[Int]>
    public var classes: Located<Int>
    /// The node `predict` returns; nil means the input of the first inference loss.
    public var output: Located<String>?
    /// Every layer, blocks expanded, in the order written.
    public var layers: [LayerConfig]
    /// Block instance name -> the name of its output node (its last layer).
    public var instanceOutputs: [String: String]
    /// The `model:` key, for errors about the network as a whole.
    public var location: SourceLocation
}

/// A number of epochs or of steps (iterations), written `8`, `8 epochs` or `500 steps`.
public struct DurationConfig: Hashable, Sendable, CustomStringConvertible {
    public enum Unit: String, Sendable { case epochs, steps }
    public var count: Int
    public var unit: Unit

    public init(_ count: Int, _ unit: Unit) {
        self.count = count
        self.unit = unit
    }

    public var description: String { "\(count) \(count == 1 ? String(unit.rawValue.dropLast()) : unit.rawValue)" }

    /// Why a duration has no length in steps: its `reason` follows what it is, "the warmup
    /// is given in epochs, but an epoch has no steps (...)".
    public struct StepsError: Error, Sendable, Equatable {
        public var reason: String
    }

    /// The duration in steps, an epoch being `perEpoch` steps: the one conversion for the
    /// run's length, the schedule's periods, evaluation and checkpoint intervals.
    public func steps(perEpoch: Int) throws(StepsError) -> Int {
        switch unit {
        case .steps: return count
        case .epochs:
            guard perEpoch >= 1 || count == 0 else { throw StepsError(reason: "is given in epochs, but an epoch has no steps (fewer examples than a batch)") }
            let (n, overflow) = count.multipliedReportingOverflow(by: perEpoch)
            guard !overflow else { throw StepsError(reason: "of \(self) is too many steps") }
            return n
        }
    }
}

/// A quantity watched by plateau schedules and best-checkpoint policies.
public enum MonitorConfig: String, CaseIterable, Sendable {
    case valLoss = "val_loss", valTop1 = "val_top1", valTop5 = "val_top5", trainLoss = "train_loss"

    /// Whether larger is better (accuracies) or smaller (losses).
    public var maximize: Bool { self == .valTop1 || self == .valTop5 }
}
