import Foundation
import Testing
@testable import NetrunFormats
#if canImport(Glibc)
import Glibc
#endif

/// FileInput.read and the readers built on it: every refusal names the file and says what
/// is wrong in plain words; FIFOs and devices are refused without being read.
@Suite struct FileInputTests {
    func refusal(_ path: String, limit: Int = FileInput.defaultLimit) throws -> FileError {
        try #require(throws: FileError.self) { try FileInput.read(path: path, limit: limit) }
    }

    @Test func aRegularFileIsReadWhole() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/x.bin"
            let bytes = randomBytes(10_000, seed: 7)
            try bytes.write(to: URL(fileURLWithPath: path))
            #expect(try FileInput.read(path: path) == bytes)
            #expect(try FileInput.read(path: path, limit: 10_000) == bytes)
        }
    }

    @Test func aMissingFileGivesStrerrorsReason() throws {
        let error = try refusal("/nonexistent/netrun/w.safetensors")
        #expect(error.kind == .io)
        #expect(error.description == "/nonexistent/netrun/w.safetensors: error: cannot read the file: No such file or directory")
    }

    @Test func aDirectoryIsNotARegularFile() throws {
        try withTemporaryDirectory { directory throws in
            let error = try refusal(directory)
            #expect(error.kind == .notARegularFile)
            #expect(error.description == "\(directory): error: expected a regular file, found a directory")
        }
    }

    @Test(arguments: ["/dev/null", "/dev/zero"])
    func aDeviceIsRefusedWithoutBeingRead(_ device: String) throws {
        let error = try refusal(device)
        #expect(error.kind == .notARegularFile)
        #expect(error.description == "\(device): error: expected a regular file, found a character device")
    }

    @Test(.timeLimit(.minutes(1)))
    func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/pipe"
            try #require(mkfifo(path, 0o600) == 0)
            let error = try refusal(path)
            #expect(error.kind == .notARegularFile)
            #expect(error.description == "\(path): error: expected a regular file, found a FIFO (named pipe)")
        }
    }

    @Test func anEmptyFileIsRefused() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/empty.npy"
            try Data().write(to: URL(fileURLWithPath: path))
            let error = try refusal(path)
            #expect(error.kind == .truncated)
            #expect(error.description == "\(path): error: the file is empty")
        }
    }

    @Test func aFileOverTheLimitIsRefusedStatingTheLimit() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/big.bin"
            try Data(count: 3000).write(to: URL(fileURLWithPath: path))
            let error = try refusal(path, limit: 2048)
            #expect(error.kind == .fileTooLarge)
            #expect(error.description == "\(path): error: the file is 3000 bytes, over the limit of 2 KiB (2048 bytes)")
            #expect(try refusal(path, limit: 100).message == "the file is 3000 bytes, over the limit of 100 bytes")
        }
    }

    /// A sparse file one byte over the readers' default limit (no disk blocks are written).
    @Test func theReadersRefuseAFileOverTheDefaultLimitBeforeReadingIt() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/huge.safetensors"
            try #require(FileManager.default.createFile(atPath: path, contents: nil))
            try #require(truncate(path, off_t(FileInput.defaultLimit + 1)) == 0)
            let error = try #require(throws: FileError.self) { try Safetensors.read(path: path) }
            #expect(error.kind == .fileTooLarge)
            #expect(error.description == "\(path): error: the file is 8589934593 bytes, over the limit of 8 GiB (8589934592 bytes)")
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root reads files whatever their mode"))
    func anUnreadableFileGivesStrerrorsReason() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/secret.npy"
            try Data([1]).write(to: URL(fileURLWithPath: path))
            try #require(chmod(path, 0) == 0)
            let error = try refusal(path)
            #expect(error.kind == .io)
            #expect(error.description == "\(path): error: cannot read the file: Permission denied")
        }
    }

    /// Unreadable for root too: a symbolic link that points at itself.
    @Test func aSymbolicLinkLoopIsNamedAsALoop() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/loop.npy"
            try #require(symlink(path, path) == 0)
            let error = try refusal(path)
            #expect(error.kind == .io)
            #expect(error.description == "\(path): error: cannot read the file: its path is a loop of symbolic links (or a chain of more than 40)")
        }
    }

    @Test func aSymbolicLinkToARegularFileIsFollowed() throws {
        try withTemporaryDirectory { directory throws in
            let target = directory + "/x.npy", link = directory + "/link.npy"
            let bytes = try NPY.encode(NPYArray(shape: [2], values: [1, 2]))
            try bytes.write(to: URL(fileURLWithPath: target))
            try #require(symlink(target, link) == 0)
            #expect(try NPY.read(path: link) == NPYArray(shape: [2], values: [1, 2]))
        }
    }

    @Test func bothReadersUseIt() throws {
        try withTemporaryDirectory { directory throws in
            #expect(throws: FileError(path: directory, kind: .notARegularFile, message: "expected a regular file, found a directory")) {
                try Safetensors.read(path: directory)
            }
            #expect(throws: FileError(path: "/dev/null", kind: .notARegularFile, message: "expected a regular file, found a character device")) {
                try NPY.read(path: "/dev/null")
            }
        }
    }
}
