import Foundation
import FuzzSupport
import NetrunFormats
import NetrunRunner

/// One input: the JSON a run keeps in `state.safetensors`' metadata (`netrun.state`: the run
/// state and the optimizer's counters). It is put into a state file beside a weight, an
/// optimizer buffer and an average, and read by `CheckpointFiles.load`, as `--resume` reads
/// it; then what a resume compares (processes, the config's values) is computed. A
/// TrainError is the expected outcome for most inputs (metadata that is not UTF-8 cannot be
/// in a safetensors header and is skipped); a trap, a sanitizer report or a hang is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRunState(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    guard let json = String(validating: input.rest(), as: UTF8.self) else { return 0 }
    let tensors = [NamedTensor(name: "model/w", shape: [2], values: [1, 2]),
                   NamedTensor(name: "optimizer/w.momentum", shape: [2], values: [0, 0]),
                   NamedTensor(name: "average", shape: [2], values: [1, 2])]
    let file: Data
    do { file = Data(try Safetensors.encode(tensors, metadata: ["netrun.state": json])) } catch {
        fatalError("cannot write a state file: \(error)")
    }
    let loaded: CheckpointFiles.Loaded
    do { loaded = try CheckpointFiles(directory: "run", keep: 1).load(file) } catch {
        rejected(error)
        return 0
    }
    let state = loaded.state
    _ = (state.epoch, state.processes, loaded.optimizer, loaded.average?.count)
    _ = ConfigFingerprint.differences(saved: state.config, current: ["train.batch": "8"])
    _ = ConfigFingerprint.hash(state.config)
    require(loaded.weights.tensors.map(\.name) == ["w"], "the state's weights are \(loaded.weights.tensors.map(\.name))")
    return 0
}
