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
    /// Plateau schedule memory, as its JSON (nil for other policies).
    public var plateau: String?
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

/// The dotted-path view of a resolved config, for the resume check: `train.batch` -> `128`.
public enum ConfigFingerprint {
    /// Keys a resume may change: the run's length.
    public static func mayChange(_ key: String) -> Bool {
        key == "train.epochs" || key == "train.steps"
    }

    /// FNV-1a (64 bits) of the sorted `key=value` lines: the config's hash in the run state.
    public static func hash(_ values: [String: String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for line in values.sorted(by: { $0.key < $1.key }).map({ "\($0.key)=\($0.value)\n" }) {
            for byte in line.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return String(h, radix: 16)
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
