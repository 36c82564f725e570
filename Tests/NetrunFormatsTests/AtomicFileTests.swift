import Foundation
import Testing
@testable import NetrunFormats

@Suite struct AtomicFileTests {
    struct InjectedFailure: Error {}

    @Test func writingCreatesTheFileWithExactlyTheBytesAndNoTemporaryFiles() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/log.txt"
            try AtomicFile.write(Data("hello".utf8), to: path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("hello".utf8))
            try AtomicFile.write([UInt8](), to: path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
            #expect(try listing(directory) == ["log.txt"])
        }
    }

    @Test func writingReplacesAnExistingFile() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/ckpt.bin"
            try AtomicFile.write([1, 2, 3, 4, 5, 6], to: path)
            try AtomicFile.write([9], to: path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([9]))
            #expect(try listing(directory) == ["ckpt.bin"])
        }
    }

    /// What a killed writer leaves is recognised by name, and only that is removed: not a
    /// user's dot-file, not a directory or a symbolic link with such a name.
    @Test func staleTemporariesAreRecognisedByNameAndOnlyTheyAreRemoved() throws {
        #expect(AtomicFile.isTemporaryName(AtomicFile.temporaryName(for: "state.safetensors")))
        #expect(AtomicFile.isTemporaryName(".checkpoint-20.safetensors.tmp-5599-4294967295"))
        for name in ["state.safetensors", ".lock", ".tmp-1-2", "..tmp-1-2x", ".a.tmp-1", ".a.tmp-1-", ".a.tmp-x-2",
                     ".a.tmp-1-2-3", "a.tmp-1-2", ".a.tmp-1-99999999999"] {
            #expect(!AtomicFile.isTemporaryName(name), "\(name)")
        }
        try withTemporaryDirectory { directory throws in
            for name in [".state.safetensors.tmp-12-34", ".last.safetensors.tmp-5-6", "keep.txt", ".hidden"] {
                try Data("x".utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            }
            try FileManager.default.createDirectory(atPath: "\(directory)/.dir.tmp-1-2", withIntermediateDirectories: false)
            try FileManager.default.createSymbolicLink(atPath: "\(directory)/.link.tmp-3-4", withDestinationPath: "\(directory)/keep.txt")
            let removed = try AtomicFile.removeTemporaries(in: directory)
            #expect(removed == [".last.safetensors.tmp-5-6", ".state.safetensors.tmp-12-34"])
            #expect(try listing(directory) == [".dir.tmp-1-2", ".hidden", ".link.tmp-3-4", "keep.txt"])
        }
    }

    @Test func aRelativeBareFileNameGoesToTheCurrentDirectory() {
        #expect(AtomicFile.split("weights.safetensors") == (".", "weights.safetensors"))
        #expect(AtomicFile.split("/w.npy") == ("/", "w.npy"))
        #expect(AtomicFile.split("a/b/c.npy") == ("a/b", "c.npy"))
    }

    @Test func aMissingDirectoryFailsWithAnIOErrorNamingThePath() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/missing/out.npy"
            let error = try #require(throws: FileError.self) { try AtomicFile.write([1], to: path) }
            #expect(error.kind == .io)
            #expect(error.path == path)
            #expect(error.message.contains("cannot create a temporary file"))
            #expect(error.message.contains("No such file or directory"))
            #expect(try listing(directory).isEmpty)
        }
    }

    @Test func aParentThatIsAFileFails() throws {
        try withTemporaryDirectory { directory throws in
            try AtomicFile.write([1], to: directory + "/file")
            let error = try #require(throws: FileError.self) { try AtomicFile.write([2], to: directory + "/file/out.npy") }
            #expect(error.kind == .io)
            #expect(try listing(directory) == ["file"])
        }
    }

    @Test func aTargetThatIsADirectoryIsLeftAloneAndTheTemporaryFileRemoved() throws {
        try withTemporaryDirectory { directory throws in
            let target = directory + "/out.npy"
            try FileManager.default.createDirectory(atPath: target + "/inner", withIntermediateDirectories: true)
            let error = try #require(throws: FileError.self) { try AtomicFile.write([1, 2, 3], to: target) }
            #expect(error.kind == .io)
            #expect(error.message.hasPrefix("cannot replace"))
            #expect(try listing(directory) == ["out.npy"])
            #expect(try listing(target) == ["inner"])
        }
    }

    @Test func aFailureBeforeTheRenameLeavesTheOldContentsAndNoTemporaryFile() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/weights.safetensors"
            try AtomicFile.write(Data("old".utf8), to: path)
            var temporary: String?
            let replacement = [UInt8](repeating: 7, count: 1 << 16)
            #expect(throws: InjectedFailure.self) {
                try replacement.withUnsafeBytes { bytes in
                    try AtomicFile.write(bytes: bytes, to: path) { tmp in
                        // The temporary file is complete and beside the target.
                        #expect((try? Data(contentsOf: URL(fileURLWithPath: tmp)).count) == 1 << 16)
                        #expect(tmp.hasPrefix(directory + "/.weights.safetensors.tmp-"))
                        temporary = tmp
                        throw InjectedFailure()
                    }
                }
            }
            #expect(temporary != nil)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("old".utf8))
            #expect(try listing(directory) == ["weights.safetensors"])
        }
    }

    @Test func anEmptyPathFails() throws {
        let error = try #require(throws: FileError.self) { try AtomicFile.write([1], to: "") }
        #expect(error.kind == .io)
    }

    @Test(.enabled(if: getuid() != 0, "root can write into read-only directories"))
    func aReadOnlyDirectoryFailsAndLeavesTheTargetUntouched() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/out.npy"
            try AtomicFile.write([1], to: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory) }
            let error = try #require(throws: FileError.self) { try AtomicFile.write([2], to: path) }
            #expect(error.kind == .io)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1]))
            #expect(try listing(directory) == ["out.npy"])
        }
    }
}
