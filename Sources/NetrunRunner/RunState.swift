// Everything a resume needs, as one Codable value saved beside the tensors.
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunFormats

/// The training run's state after a step: where it is, what the schedule and the
/// best-checkpoint policy remember, and which config it runs. Saved as JSON in the
/// metadata of `state.safetensors`, whose tensors are the weights (`model/<name>`), the
/// optimizer's buffers (`optimizer/<buffer>/<name>`) and the averaged weights (`average/<name>`).
public struct RunState: Codable, Sendable, Equatable {
    public static let version = 1

    public var version = RunState.version
    /// Steps completed (the next step to run).
    public var step: Int
    public var stepsPerEpoch: Int
    public var seed: UInt64
    /// The resolved config as dotted paths and values, `train.epochs`/`train.steps` left
    /// out (a resume may change them), and its hash: a resume must match it.
    public var config: [String: String]
    public var configHash: String
    /// The optimizer's counters (Adam's step); its buffers are tensors.
    public var optimizerSteps: Int
    /// Examples averaged so far (Polyak), or 0.
    public var averagedSteps: Int
    /// Plateau schedule memory (nil for other policies, and before a plateau schedule's
    /// first evaluation). Saved as its JSON text in a string, as netrun always has.
    public var plateau: PlateauState?
    /// The best value of the checkpoint policy's metric, and its step.
    public var best: Double?
    public var bestStep: Int?
    /// Periodic checkpoints kept, oldest first (steps).
    public var kept: [Int]
    /// The processes that trained the run (MPI ranks); nil in states saved before netrun
    /// trained over MPI, which were one process's.
    public var ranks: Int?
    /// An evaluation a signal stopped at this step, run first when the run resumes; its
    /// value is the step's training loss (a plateau schedule may monitor it). nil: none.
    public var pendingEvaluation: Double?

    public var processes: Int { ranks ?? 1 }

    public var epoch: Int { stepsPerEpoch > 0 ? step / stepsPerEpoch : 0 }
}

extension RunState {
    enum CodingKeys: String, CodingKey {
        case version, step, stepsPerEpoch, seed, config, configHash, optimizerSteps, averagedSteps, plateau, best, bestStep,
             kept, ranks, pendingEvaluation
    }

    /// Decodes every field as the synthesized conformance would, and `plateau` from the JSON
    /// text it is saved as: a state whose plateau text is not a `PlateauState` is an error.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        step = try c.decode(Int.self, forKey: .step)
        stepsPerEpoch = try c.decode(Int.self, forKey: .stepsPerEpoch)
        seed = try c.decode(UInt64.self, forKey: .seed)
        config = try c.decode([String: String].self, forKey: .config)
        configHash = try c.decode(String.self, forKey: .configHash)
        optimizerSteps = try c.decode(Int.self, forKey: .optimizerSteps)
        averagedSteps = try c.decode(Int.self, forKey: .averagedSteps)
        plateau = try c.decodeIfPresent(String.self, forKey: .plateau).map { text in
            do { return try JSONDecoder().decode(PlateauState.self, from: Data(text.utf8)) } catch {
                throw DecodingError.dataCorruptedError(forKey: .plateau, in: c,
                                                       debugDescription: "the plateau schedule's state is not readable: \(error)")
            }
        }
        best = try c.decodeIfPresent(Double.self, forKey: .best)
        bestStep = try c.decodeIfPresent(Int.self, forKey: .bestStep)
        kept = try c.decode([Int].self, forKey: .kept)
        ranks = try c.decodeIfPresent(Int.self, forKey: .ranks)
        pendingEvaluation = try c.decodeIfPresent(Double.self, forKey: .pendingEvaluation)
    }

    /// Encodes as the synthesized conformance would, `plateau` as its JSON text.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(step, forKey: .step)
        try c.encode(stepsPerEpoch, forKey: .stepsPerEpoch)
        try c.encode(seed, forKey: .seed)
        try c.encode(config, forKey: .config)
        try c.encode(configHash, forKey: .configHash)
        try c.encode(optimizerSteps, forKey: .optimizerSteps)
        try c.encode(averagedSteps, forKey: .averagedSteps)
        try c.encodeIfPresent(try plateau.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }, forKey: .plateau)
        try c.encodeIfPresent(best, forKey: .best)
        try c.encodeIfPresent(bestStep, forKey: .bestStep)
        try c.encode(kept, forKey: .kept)
        try c.encodeIfPresent(ranks, forKey: .ranks)
        try c.encodeIfPresent(pendingEvaluation, forKey: .pendingEvaluation)
    }
}

/// The dotted-path view of a resolved config, for the resume check: `train.batch` -> `128`.
public enum ConfigFingerprint {
    /// Keys a resume may change: the run's length.
    public static func mayChange(_ key: String) -> Bool {
        key == "train.epochs" || key == "train.steps"
    }

    /// FNV-1a (64 bits) of the sorted `key=value` lines: the config's hash in the run state.
    public static func hash(_ values: [String: String]) -> String {
        fnv1a(values.sorted(by: { $0.key < $1.key }).map({ "\($0.key)=\($0.value)\n" }).joined())
    }

    public static func values(of node: YAMLNode) -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ n: YAMLNode, _ path: String) {
            if let pairs = n.pairs {
                for p in pairs { walk(p.value, path.isEmpty ? (p.key.text ?? "?") : "\(path).\(p.key.text ?? "?")") }
            } else if let items = n.items {
                for (i, item) in items.enumerated() { walk(item, "\(path).\(i)") }
                if items.isEmpty { out[path] = "[]" }
            } else if !mayChange(path) {
                out[path] = n.text ?? ""
            }
        }
        walk(node, "")
        return out
    }

    /// Keys whose values differ (added, removed or changed), sorted, each with both values.
    public static func differences(saved: [String: String], current: [String: String]) -> [String] {
        Set(saved.keys).union(current.keys).sorted().compactMap { key in
            let a = saved[key], b = current[key]
            guard a != b else { return nil }
            return "\(key): \(a ?? "(absent)") in the run, \(b ?? "(absent)") now"
        }
    }
}
