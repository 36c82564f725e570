// Loading and saving a ParameterStore as safetensors, under netrun's names.
import NetrunConfig
import NetrunFormats

/// A weights file that does not match the graph: every problem, each naming the tensor.
public struct WeightsMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// One sentence per problem: missing, unexpected or mis-shaped tensors.
    public var problems: [String]

    public var description: String {
        problems.map { "\(path): error: \($0)" }.joined(separator: "\n")
    }
}

extension ParameterStore {
    /// Replaces every tensor with the file's. Throws `FileError` when the file is not
    /// readable safetensors (missing, empty, truncated, not safetensors, not F32), and
    /// `WeightsMismatch` listing every missing, unexpected and mis-shaped tensor.
    public mutating func load(path: String) throws {
        let file = try Safetensors.read(path: path)
        try load(file, path: path)
    }

    /// Checks `file` against the graph's tensors, then copies them in. Every problem is
    /// collected before throwing: missing, unexpected and mis-shaped tensors, and values
    /// that are not finite (NaN or infinite). PyTorch's `<node>.num_batches_tracked` of a
    /// batch norm node is accepted and ignored (netrun's batch norm uses `momentum`).
    public mutating func load(_ file: SafetensorsFile, path: String) throws {
        if file.metadata[Self.trainingStateKey] != nil {
            throw WeightsMismatch(path: path, problems: [
                "this is a training state (what `netrun train --resume` reads: weights under model/, optimizer buffers, "
                    + "counters), not a weights file; give its run's last.safetensors or best.safetensors, "
                    + "or continue the run with `netrun train CONFIG --resume DIR`",
            ])
        }
        var problems: [String] = []
        let known = Set(entries.map(\.name))
        for e in entries {
            guard let t = file[e.name] else {
                problems.append("missing tensor '\(e.name)' (the model expects shape \(Self.text(e.shape)))")
                continue
            }
            if t.shape != e.shape {
                problems.append("tensor '\(e.name)' has shape \(Self.text(t.shape)) in the file, but the model expects \(Self.text(e.shape))")
            } else if let bad = Self.nonFinite(t) {
                problems.append(bad)
            }
        }
        for t in file.tensors where !known.contains(t.name) && !isBatchCounter(t.name) {
            let hint = Suggestion.phrase(for: t.name, in: entries.map(\.name))
            problems.append("unexpected tensor '\(t.name)' with shape \(Self.text(t.shape)): the model has no such parameter\(hint)")
        }
        guard problems.isEmpty else { throw WeightsMismatch(path: path, problems: problems) }
        for e in entries {
            guard let t = file[e.name] else { continue }
            values.replaceSubrange(e.offset ..< e.offset + e.count, with: t.values)
        }
    }

    /// The metadata key of a training state (`state.safetensors`), whose JSON holds the run's
    /// counters: a file with it is not a weights file.
    public static let trainingStateKey = "netrun.state"

    /// PyTorch's batch norm step counter, `<node>.num_batches_tracked`, for a batch norm node of the graph.
    func isBatchCounter(_ name: String) -> Bool {
        let suffix = ".num_batches_tracked"
        guard name.hasSuffix(suffix) else { return false }
        return entry(named: String(name.dropLast(suffix.count)) + ".running_mean") != nil
    }

    /// The problem with a tensor holding NaN or infinite values, naming the first by its
    /// flat index and its index in the tensor's shape; nil when every value is finite.
    static func nonFinite(_ t: NamedTensor) -> String? {
        guard let first = t.values.firstIndex(where: { !$0.isFinite }) else { return nil }
        let count = t.values[first...].reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        let value = t.values[first].isNaN ? "NaN" : t.values[first] > 0 ? "+inf" : "-inf"
        let index = multiIndex(first, shape: t.shape).map(String.init).joined(separator: ", ")
        return "tensor '\(t.name)' has \(count) value\(count == 1 ? "" : "s") that \(count == 1 ? "is" : "are") not finite; "
            + "the first is \(value) at \(t.name)[\(index)] (flat index \(first))"
    }

    /// The C-order (row-major) index of element `flat` in a tensor of `shape`.
    static func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for d in shape.indices.reversed() where shape[d] > 0 {
            index[d] = rest % shape[d]
            rest /= shape[d]
        }
        return index
    }

    /// Writes every tensor (atomically) under its name and PyTorch shape.
    public func save(path: String, metadata: [String: String] = [:]) throws {
        try Safetensors.write(namedTensors, metadata: metadata, to: path)
    }

    public var namedTensors: [NamedTensor] {
        entries.map { NamedTensor(name: $0.name, shape: $0.shape, values: Array(values[$0.offset ..< $0.offset + $0.count])) }
    }

    static func text(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}
