// Resuming a run: the saved state read (by rank 0, its bytes sent to the others) and checked
// against this config before the loop starts.
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunData
import NetrunDistributed
import NetrunFormats
import NetrunGraph
import NetrunKernels

extension Trainer {
    /// Loads `state.safetensors` of the run directory; refuses a run of another config.
    func resume() throws(TrainError) {
        // Rank 0 reads the state; the others receive its bytes (no shared file system needed).
        var bytes = Data()
        if communicator.isRoot { bytes = try checkpoints.stateBytes() }
        bytes = try Self.collective { try communicator.broadcast(bytes) }
        let saved = try checkpoints.load(bytes)
        func differs(_ message: String) -> TrainError {
            TrainError(FileError(path: checkpoints.statePath, kind: .mismatch, message: message))
        }
        guard saved.state.processes == communicator.size else {
            throw differs("the run was trained by \(saved.state.processes) process\(saved.state.processes == 1 ? "" : "es") "
                             + "and would go on with \(communicator.size): resume it with the same number (mpirun -np \(saved.state.processes)"
                             + "\(saved.state.processes == 1 ? ", or without mpirun" : ""))")
        }
        let differences = ConfigFingerprint.differences(saved: saved.state.config, current: state.config)
        guard differences.isEmpty else {
            throw differs("the run was trained with another config; only train.epochs "
                             + "and train.steps may change on a resume. Differences:\n  " + differences.joined(separator: "\n  "))
        }
        guard saved.state.stepsPerEpoch == stepsPerEpoch else {
            throw differs("the run had \(saved.state.stepsPerEpoch) steps per epoch, the data now gives \(stepsPerEpoch)")
        }
        guard saved.state.seed == UInt64(seed) else {
            throw differs("the run's seed is \(saved.state.seed), not \(seed)")
        }
        do {
            try parameters.load(saved.weights, path: checkpoints.statePath)
            try optimizer.restore(saved.optimizer)
            if let s = saved.average { try averager?.restore(s) }
        } catch let mismatch as WeightsMismatch {
            throw TrainError(.input, mismatch.description)   // each line names the file already
        } catch {
            throw differs("\(error)")   // the optimizer's or the average's state does not fit the model
        }
        if let p = saved.state.plateau { plateau = p }
        state = saved.state
    }
}
