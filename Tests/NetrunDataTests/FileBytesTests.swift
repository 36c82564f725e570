import Foundation
import NetrunFormats
import Testing
@testable import NetrunData

/// What the data sources read: files that are not regular files are refused before
/// anything could block on them, and a link loop or an empty file is named as such.
@Suite struct FileBytesTests {
    /// The FileError of `body`, run on a thread of its own: a read that blocks (open(2) of a
    /// FIFO waits for a writer) fails the test after 10 s instead of hanging it, and is then
    /// released by opening the FIFO's other end.
    func errorWithin10Seconds(releasing fifo: String, _ body: @escaping @Sendable () throws -> Void) -> FileError? {
        final class Outcome: @unchecked Sendable { var error: (any Error)? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Thread {
            do { try body() } catch { outcome.error = error }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + 10) == .success else {
            Issue.record("reading \(fifo) blocked for 10 s")
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            _ = done.wait(timeout: .now() + 10)
            return nil
        }
        guard let e = outcome.error as? FileError else {
            Issue.record("expected a FileError, got \(String(describing: outcome.error))")
            return nil
        }
        return e
    }

    @Test func aFIFOAsAnIDXFileIsRefusedWithoutWaitingForAWriter() throws {
        let dir = try temporaryDirectory()
        try write(idx([3], [0, 1, 2]), to: dir + "/lab.idx")
        try #require(mkfifo(dir + "/ff.idx", 0o600) == 0)
        let s = try source(dir, input: [1, 2, 2], classes: 3, data: "{format: idx, images: ff.idx, labels: lab.idx}")
        let e = errorWithin10Seconds(releasing: dir + "/ff.idx") { _ = try Dataset.open(s, classes: 3, input: [1, 2, 2]) }
        #expect(e?.description == "\(dir)/ff.idx: error: expected a regular file, found a FIFO (named pipe)")
    }

    @Test func aFIFONamedLikeAnImageInAClassFolderIsRefused() throws {
        let dir = try temporaryDirectory()
        try write(png(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4]), to: dir + "/r/a/good.png")
        try FileManager.default.createDirectory(atPath: dir + "/r/b", withIntermediateDirectories: true)
        try #require(mkfifo(dir + "/r/b/x.png", 0o600) == 0)
        let s = try source(dir, input: [1, 2, 2], classes: 2, data: "{format: folder, root: r}")
        let e = errorWithin10Seconds(releasing: dir + "/r/b/x.png") { _ = try Dataset.open(s, classes: 2, input: [1, 2, 2]) }
        #expect(e?.description == "\(dir)/r/b/x.png: error: expected a regular file, found a FIFO (named pipe)")
    }

    @Test func aLoopOfSymbolicLinksIsNamedAsOne() throws {
        let dir = try temporaryDirectory()
        try write(idx([3], [0, 1, 2]), to: dir + "/lab.idx")
        try FileManager.default.createSymbolicLink(atPath: dir + "/a.idx", withDestinationPath: dir + "/b.idx")
        try FileManager.default.createSymbolicLink(atPath: dir + "/b.idx", withDestinationPath: dir + "/a.idx")
        let s = try source(dir, input: [1, 2, 2], classes: 3, data: "{format: idx, images: a.idx, labels: lab.idx}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 2]) })
        #expect(e.description == "\(dir)/a.idx: error: cannot read the file: its path is a loop of symbolic links (or a chain of more than 40)")

        try write(png(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4]), to: dir + "/r/a/good.png")
        try FileManager.default.createDirectory(atPath: dir + "/r/b", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/r/b/x.png", withDestinationPath: dir + "/r/b/x.png")
        let f = try source(dir, input: [1, 2, 2], classes: 2, data: "{format: folder, root: r}")
        let g = try #require(dataError { _ = try Dataset.open(f, classes: 2, input: [1, 2, 2]) })
        #expect(g.description.hasPrefix("\(dir)/r/b/x.png: error: cannot read the file: its path is a loop of symbolic links"))
    }

    @Test func anEmptyIDXFileIsCalledEmpty() throws {
        let dir = try temporaryDirectory()
        try write([], to: dir + "/img.idx")
        try write(idx([3], [0, 1, 2]), to: dir + "/lab.idx")
        let s = try source(dir, input: [1, 2, 2], classes: 3, data: "{format: idx, images: img.idx, labels: lab.idx}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 2]) })
        #expect(e.description == "\(dir)/img.idx: error: the file is empty")
    }
}
