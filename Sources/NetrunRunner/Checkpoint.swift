// The run directory's files: config.yaml, state.safetensors (everything a resume needs),
// last.safetensors, best.safetensors and the periodic checkpoint-<step>.safetensors. Every
// file is written to a temporary name and renamed (NetrunFormats' atomic writer), so a crash
// or `kill -9` leaves the previous version whole.
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunFormats

public final class CheckpointFiles {
    /// The resolved config, with each value's origin as a comment (what `netrun compare` reads).
    public static let configFileName = "config.yaml"

    let directory: String
    let keep: Int

    public init(directory: String, keep: Int) {
        self.directory = directory
        self.keep = keep
    }

    var statePath: String { "\(directory)/state.safetensors" }
    var lastPath: String { "\(directory)/last.safetensors" }
    var bestPath: String { "\(directory)/best.safetensors" }
    func periodicPath(_ step: Int) -> String { "\(directory)/checkpoint-\(step).safetensors" }

    static let stateKey = ParameterStore.trainingStateKey

    private func io<T>(_ path: String, _ body: () throws -> T) throws(TrainError) -> T {
        do { return try body() } catch let e as FileError {
            throw TrainError(e)
        } catch {
            throw TrainError(FileError(path: path, kind: .io, message: "\(error)"))
        }
    }

    /// Creates the directory and writes the resolved config (with each value's origin).
    func prepare(config: Config, resumed: Bool) throws(TrainError) {
        try io(directory) { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let path = "\(directory)/\(Self.configFileName)"
        try io(path) { try AtomicFile.write(Data(config.resolved.resolvedText().utf8), to: path) }
    }

    /// Saves the state (weights, optimizer buffers, averaged weights, counters), the last
    /// weights and a periodic checkpoint, deleting periodic ones beyond `keep`.
    func save(state: inout RunState, weights: ParameterStore, optimizer: OptimizerState, average: AveragingState?) throws(TrainError) {
        let step = state.step
        let metadata = ["step": "\(step)"]
        if state.kept.last != step {
            try io(periodicPath(step)) { try weights.save(path: periodicPath(step), metadata: metadata) }
            state.kept.append(step)
        }
        let dropped = state.kept.count > keep ? Array(state.kept.prefix(state.kept.count - keep)) : []
        state.kept.removeFirst(dropped.count)
        var tensors = weights.namedTensors.map { NamedTensor(name: "model/\($0.name)", shape: $0.shape, values: $0.values) }
        for (key, values) in optimizer.buffers.sorted(by: { $0.key < $1.key }) {
            tensors.append(NamedTensor(name: "optimizer/\(key)", shape: [values.count], values: values))
        }
        if let average { tensors.append(NamedTensor(name: "average", shape: [average.values.count], values: average.values)) }
        var saved = state
        saved.averagedSteps = average?.count ?? 0
        let json = try io(statePath) { String(decoding: try JSONEncoder().encode(Snapshot(run: saved, optimizer: Counters(algorithm: optimizer.algorithm, steps: optimizer.steps))), as: UTF8.self) }
        try io(statePath) { try Safetensors.write(tensors, metadata: [Self.stateKey: json], to: statePath) }
        try io(lastPath) { try weights.save(path: lastPath, metadata: metadata) }
        for s in dropped { try? FileManager.default.removeItem(atPath: periodicPath(s)) }
    }

    func saveBest(_ weights: ParameterStore, step: Int, metric: String, value: Double) throws(TrainError) {
        try io(bestPath) { try weights.save(path: bestPath, metadata: ["step": "\(step)", metric: "\(value)"]) }
    }

    struct Counters: Codable {
        var algorithm: String
        var steps: Int
    }

    struct Snapshot: Codable {
        var run: RunState
        var optimizer: Counters
    }

    public struct Loaded {
        public var state: RunState
        public var weights: SafetensorsFile
        public var optimizer: OptimizerState
        public var average: AveragingState?
    }

    /// The run state saved in `directory`'s `state.safetensors`, read from its header alone
    /// (no tensor is decoded); nil when the directory holds no saved run.
    public static func savedState(directory: String) throws(FileError) -> RunState? {
        let path = "\(directory)/state.safetensors"
        if PathProblem(path: path) == .missing { return nil }
        let metadata: [String: String]
        do { metadata = try Safetensors.metadata(path: path) } catch let e as FileError { throw e } catch {
            throw FileError(path: path, kind: .io, message: "\(error)")
        }
        guard let json = metadata[stateKey], let snapshot = try? JSONDecoder().decode(Snapshot.self, from: Data(json.utf8)) else {
            throw FileError(path: path, kind: .malformedHeader,
                            message: "not a netrun training state (its '\(stateKey)' metadata is missing or unreadable)")
        }
        return snapshot.run
    }

    /// The bytes of `state.safetensors` (read by rank 0, sent to the others by `load(_:)`'s callers).
    func stateBytes() throws(TrainError) -> Data {
        if PathProblem(path: statePath) == .missing {
            throw TrainError(FileError(path: statePath, kind: .io, message: "no saved run to resume (state.safetensors is missing)"))
        }
        return try io(statePath) { try FileInput.read(path: statePath) }
    }

    /// The saved run in `bytes`, the contents of `state.safetensors`.
    public func load(_ bytes: Data) throws(TrainError) -> Loaded {
        let file = try io(statePath) { try Safetensors.parse(bytes, path: statePath) }
        guard let json = file.metadata[Self.stateKey], let snapshot = try? JSONDecoder().decode(Snapshot.self, from: Data(json.utf8)) else {
            throw TrainError(FileError(path: statePath, kind: .malformedHeader,
                                       message: "not a netrun training state (its '\(Self.stateKey)' metadata is missing or unreadable)"))
        }
        guard snapshot.run.version == RunState.version else {
            throw TrainError(FileError(path: statePath, kind: .unsupportedVersion,
                                       message: "a training state of version \(snapshot.run.version); this netrun reads version \(RunState.version)"))
        }
        var model: [NamedTensor] = [], buffers: [String: [Float]] = [:], average: [Float]?
        for t in file.tensors {
            if t.name.hasPrefix("model/") {
                model.append(NamedTensor(name: String(t.name.dropFirst(6)), shape: t.shape, values: t.values))
            } else if t.name.hasPrefix("optimizer/") {
                buffers[String(t.name.dropFirst(10))] = t.values
            } else if t.name == "average" {
                average = t.values
            }
        }
        return Loaded(state: snapshot.run, weights: SafetensorsFile(tensors: model),
                      optimizer: OptimizerState(algorithm: snapshot.optimizer.algorithm, steps: snapshot.optimizer.steps, buffers: buffers),
                      average: average.map { AveragingState(count: snapshot.run.averagedSteps, values: $0) })
    }
}
