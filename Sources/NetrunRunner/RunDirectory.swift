// A run directory is owned by one process at a time: `netrun train` holds an flock(2) on
// `<dir>/.lock` for the whole run, so a second run (or resume) into the same directory is
// refused at once instead of interleaving its metrics and checkpoints with the first's.
// Holding it, the run also removes the temporary files a killed writer left there.
import Foundation
import NetrunFormats
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock of a run directory, held until `release()` or deinit.
///
/// The lock is flock(2)'s: the kernel drops it when its holder exits however it exits
/// (`kill -9` included), so a lock file a dead process left behind blocks nothing. The
/// file holds the holder's process id, for the second process's message; it is written in
/// place after the lock is taken (the one file of the directory not written atomically:
/// replacing it would replace the locked inode). It is left in place on release: removing
/// it would let two processes lock two different inodes of the same name.
///
/// Under MPI only rank 0 writes the run directory, so only rank 0 takes the lock.
public final class RunDirectoryLock {
    public static let fileName = ".lock"

    public let path: String
    private var descriptor: Int32

    /// Creates `directory` when missing, locks it, and removes stale temporary files
    /// (`AtomicFile.isTemporaryName`: a write killed before its rename); nothing else can
    /// be writing there while the lock is held. Throws, naming the holder's process id,
    /// when another process holds it.
    public init(directory: String) throws(FileError) {
        path = "\(directory)/\(Self.fileName)"
        func failure(_ path: String, _ message: String, _ kind: FileError.Kind = .io) -> FileError {
            FileError(path: path, kind: kind, message: message)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw failure(directory, "cannot create the run directory")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw failure(path, "cannot open the run directory's lock file: \(String(cString: strerror(errno)))") }
        if Syscalls.restarting({ flock(fd, LOCK_EX | LOCK_NB) }) != 0 {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            let holder = busy ? Self.holder(fd) : nil
            close(fd)
            guard busy else { throw failure(path, "cannot lock the run directory: \(reason)") }
            let who = holder.map { "process \($0)" } ?? "another process (its id not yet written)"
            throw failure(directory, "the run directory is in use by \(who), which holds its lock (\(path)); "
                          + "wait for that run to end, or give another --out", .inUse)
        }
        descriptor = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        do { try AtomicFile.removeTemporaries(in: directory) } catch {
            release()
            throw error
        }
    }

    /// Unlocks (closing the file); later calls do nothing.
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    /// The process id the lock file records, if it holds one.
    private static func holder(_ fd: Int32) -> Int? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: bytes.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
