// Loading and saving a ParameterStore as safetensors, under netrun's names.
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
    /// Replaces every tensor with the file's. Throws `FormatError` when the file is not
    /// readable safetensors (missing, empty, truncated, not safetensors, not F32), and
    /// `WeightsMismatch` listing every missing, unexpected and mis-shaped tensor.
    public mutating func load(path: String) throws {
        let file = try Safetensors.read(path: path)
        try load(file, path: path)
    }

    public mutating func load(_ file: SafetensorsFile, path: String) throws {
        var problems: [String] = []
        let known = Set(entries.map(\.name))
        for e in entries {
            guard let t = file[e.name] else {
                problems.append("missing tensor '\(e.name)' (the model expects shape \(Self.text(e.shape)))")
                continue
            }
            if t.shape != e.shape {
                problems.append("tensor '\(e.name)' has shape \(Self.text(t.shape)) in the file, but the model expects \(Self.text(e.shape))")
            }
        }
        for t in file.tensors where !known.contains(t.name) {
            let near = entries.map(\.name).min { editDistance($0, t.name) < editDistance($1, t.name) }
            let hint = near.flatMap { editDistance($0, t.name) <= max(2, t.name.count / 4) ? "; did you mean '\($0)'?" : nil } ?? ""
            problems.append("unexpected tensor '\(t.name)' with shape \(Self.text(t.shape)): the model has no such parameter\(hint)")
        }
        guard problems.isEmpty else { throw WeightsMismatch(path: path, problems: problems) }
        for e in entries {
            guard let t = file[e.name] else { continue }
            values.replaceSubrange(e.offset ..< e.offset + e.count, with: t.values)
        }
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

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var row = Array(0 ... b.count)
    for i in 1 ... a.count {
        var prev = row[0]
        row[0] = i
        for j in 1 ... b.count {
            let cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[b.count]
}
