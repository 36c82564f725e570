import Foundation
import NetrunFormats
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only log of whole records (metrics.jsonl lines, TensorBoard records).
///
/// Each record goes out in one write(2) on a descriptor opened with O_APPEND, so a reader
/// (TensorBoard, `tail -f`) never sees half a record from us unless the process dies in the
/// middle of that call. If the write fails or is short (disk full, file too large), the
/// file is cut back to its length before the record and the error is thrown: a record is
/// in the file whole or not at all. Reopening for a resume is the caller's business: it
/// reads the file, decides how many bytes are whole records to keep, and passes that length.
final class AppendLog {
    let path: String
    private var descriptor: Int32
    /// The file's length as far as this log knows (what it kept plus what it appended).
    private(set) var length: Int

    /// Opens `path` for appending, creating it if needed, and cuts it to `keepingBytes`
    /// (0 starts the file over).
    init(path: String, keepingBytes keep: Int) throws(MetricsError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.error(path, "cannot open for appending") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = Self.error(path, "cannot read the file's status")
            _ = systemClose(fd)
            throw error
        }
        // Only a regular file is cut (a device such as /dev/full or /dev/null cannot be).
        let isRegular = (st.st_mode & S_IFMT) == S_IFREG
        if isRegular, Int(st.st_size) != keep {
            guard ftruncate(fd, off_t(keep)) == 0 else {
                let error = Self.error(path, "cannot cut the file to its \(keep) bytes of whole records")
                _ = systemClose(fd)
                throw error
            }
        }
        descriptor = fd
        length = isRegular ? keep : 0
    }

    /// Appends one whole record.
    func append(_ record: [UInt8]) throws(MetricsError) {
        guard descriptor >= 0 else { throw MetricsError(path: path, message: "the file is already closed") }
        let start = length
        let (written, code) = Syscalls.writeAll(descriptor, record)
        if let code {
            let failure = MetricsError(path: path, message: "cannot write a record: "
                                       + (code == 0 ? "the system wrote nothing" : Syscalls.describe(code)))
            // Leave no partial record behind (best effort: a device cannot be cut).
            if written > 0 { _ = ftruncate(descriptor, off_t(start)) }
            throw failure
        }
        length = start + written
    }

    /// Syncs and closes the file; later calls do nothing.
    func close() throws(MetricsError) {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        var st = stat()
        let isRegular = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        if isRegular, fsync(fd) != 0 {
            let error = Self.error(path, "cannot sync")
            _ = systemClose(fd)
            throw error
        }
        guard systemClose(fd) == 0 else { throw Self.error(path, "cannot close") }
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    static func error(_ path: String, _ what: String) -> MetricsError {
        MetricsError(path: path, message: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// A whole file's bytes, or nil when it does not exist (empty when it is empty). Other
/// failures (a directory in its place, a symbolic link loop, an unreadable file) name the
/// file and say what is wrong: "cannot read `what`: <reason>".
func readFileIfPresent(_ path: String, what: String = "the file") throws(FileError) -> [UInt8]? {
    var status = stat()
    guard stat(path, &status) == 0 else {
        guard let problem = PathProblem(path: path), problem != .missing else { return nil }
        throw FileError(path: path, kind: .io, message: "cannot read \(what): \(problem.phrase)")
    }
    let kind = FileKind(mode: status.st_mode)
    guard kind == .regular else {
        throw FileError(path: path, kind: .notARegularFile, message: "cannot read \(what): it is \(kind.phrase), not a regular file")
    }
    guard status.st_size > 0 else { return [] }
    do {
        return [UInt8](try FileInput.read(path: path))
    } catch let error as FileError {
        throw error   // "cannot read the file: <reason>"
    } catch {
        throw FileError(path: path, kind: .io, message: "cannot read \(what): \(error)")
    }
}

/// `readFileIfPresent` for a sink that resumes a run from the file.
func readExistingFile(_ path: String) throws(MetricsError) -> [UInt8]? {
    do { return try readFileIfPresent(path, what: "the file to resume it") } catch {
        throw MetricsError(path: path, message: "\(error.message); move it away to resume")
    }
}

/// POSIX close(2), named apart from methods called `close`.
func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(fd)
    #elseif canImport(Musl)
    Musl.close(fd)
    #else
    Darwin.close(fd)
    #endif
}

extension Mutex where Value == AppendLog? {
    /// A sink's `close()`: closes its log (flushing it) and forgets it, so that a later
    /// event finds no log and says so.
    func closeLog() throws(MetricsError) {
        try withLock { (log: inout AppendLog?) throws(MetricsError) in
            defer { log = nil }
            try log?.close()
        }
    }
}
