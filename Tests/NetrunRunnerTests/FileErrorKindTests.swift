import Foundation
import NetrunFormats
@testable import NetrunRunner
import Testing
import _NetrunTestSupport

/// The kind of a file problem reaches the runner's caller: TrainError carries the FileError.
@Suite struct FileErrorKindTests {
    @Test func aRunDirectoryAnotherRunHoldsIsInUse() throws {
        try withTemporaryDirectory { dir in
            let held = try RunDirectoryLock(directory: dir)
            defer { held.release() }
            let error = try #require(throws: FileError.self) { _ = try RunDirectoryLock(directory: dir) }
            #expect(error.kind == .inUse && error.kind.category == .unreadable)
            #expect(error.path == dir)
            #expect(error.description.hasPrefix("\(dir): error: the run directory is in use by process \(getpid())"))
        }
    }

    @Test func aStateWithoutTheRunsMetadataIsMalformedAndKeepsItsFile() throws {
        let files = CheckpointFiles(directory: "runs/x", keep: 1)
        let bytes = try Safetensors.encode([NamedTensor(name: "model/w", shape: [1], values: [0])])
        let error = try #require(throws: TrainError.self) { _ = try files.load(bytes) }
        #expect(error.kind == .input)
        #expect(error.file?.kind == .malformedHeader && error.file?.path == "runs/x/state.safetensors")
        #expect(error.description == error.file?.description)
    }

    @Test func aDamagedStateKeepsTheReadersKind() throws {
        let error = try #require(throws: TrainError.self) { _ = try CheckpointFiles(directory: "runs/x", keep: 1).load(Data([1, 2, 3])) }
        #expect(error.file?.kind == .truncated && error.file?.kind.category == .malformed)
    }

    @Test func anErrorThatIsNotAFilesHasNoFile() {
        let error = TrainError(.nonFinite, "step 3: the loss is nan")
        #expect(error.file == nil && error.description == "step 3: the loss is nan")
    }
}
