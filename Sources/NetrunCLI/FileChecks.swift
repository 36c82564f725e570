// Every file a command is given is checked here, with stat(2) semantics, before anything
// reads or writes it: what kind of file it is, its size, whether it opens, and whether an
// output would replace an input. One place, so every command words it the same way.
import Foundation
import NetrunFormats
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's identity: device and inode, so that two spellings of one file (`./x`, a
/// symbolic link, a hard link) compare equal.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64

    /// The identity of the file `path` names (symbolic links followed), or nil when it does not exist.
    init?(path: String) {
        guard let s = FileStatus(path) else { return nil }
        self = s.identity
    }

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// `stat(2)` of a path, symbolic links followed.
struct FileStatus {
    typealias Kind = FileKind

    var kind: FileKind
    var size: Int
    var identity: FileIdentity

    /// Nil when `stat` fails; `errno` is then set.
    init?(_ path: String) {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        kind = FileKind(mode: s.st_mode)
        size = Int(s.st_size)
        identity = FileIdentity(device: UInt64(s.st_dev), inode: UInt64(s.st_ino))
    }

    /// "a directory", "a FIFO (named pipe)", ... for messages.
    var kindPhrase: String { kind.phrase }
}

/// The system's words for the current `errno` (NetrunFormats' one wording of it).
func systemReason() -> String { NetrunFormats.systemReason(errno) }

/// Files a command reads.
enum InputFile {
    /// The largest file a command reads.
    enum Limit {
        /// A format's own limit (a config's 1 MiB).
        case bytes(Int)
        /// The machine's physical memory: the file is read into memory whole.
        case memory
    }

    /// Checks that `path` is a non-empty regular file within `limit` that opens for
    /// reading. `what` names it in messages: "config", "weights file", "input file".
    static func check(_ path: String, what: String, limit: Limit) throws(FileError) {
        guard let s = FileStatus(path) else {
            throw FileError(path: path, kind: .io, message: "cannot read the \(what): \(systemReason())")
        }
        guard s.kind == .regular else {
            throw FileError(path: path, kind: .notARegularFile, message: "the \(what) is \(s.kindPhrase), not a regular file")
        }
        guard s.size > 0 else { throw FileError(path: path, kind: .format, message: "the \(what) is empty (0 bytes)") }
        switch limit {
        case .bytes(let maxBytes) where s.size > maxBytes:
            throw FileError(path: path, kind: .fileTooLarge, message: "the \(what) is \(s.size) bytes, larger than the \(maxBytes) bytes netrun reads")
        case .memory where s.size > MemoryCheck.physicalBytes:
            throw FileError(path: path, kind: .fileTooLarge, message: "the \(what) is \(MemoryCheck.gigabytes(s.size)), more than this machine's \(MemoryCheck.gigabytes(MemoryCheck.physicalBytes)) of physical memory")
        default: break
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, kind: .io, message: "cannot read the \(what): \(systemReason())") }
        close(fd)
    }
}

/// Files and directories a command writes.
enum OutputPath {
    enum Kind { case file, directory }

    /// Checks that `path` can be written as a `kind` (a new one, or an existing one of the
    /// same kind, replaced) in an existing directory, and that it is none of `inputs`
    /// (path and what it is, e.g. `("w.safetensors", "--weights")`), compared by device and
    /// inode, so another spelling or a link of an input is refused too.
    static func check(_ path: String, what: String, kind: Kind = .file, inputs: [(path: String, what: String)]) throws(FileError) {
        guard !path.isEmpty else { throw FileError(path: path, kind: .invalidArgument, message: "the \(what) path is empty") }
        if let s = FileStatus(path) {
            if let input = inputs.first(where: { FileIdentity(path: $0.path) == s.identity }) {
                throw FileError(path: path, kind: .invalidArgument, message: "the \(what) is the same file as \(input.what) '\(input.path)'; netrun does not overwrite its inputs")
            }
            switch (kind, s.kind) {
            case (.file, .regular), (.directory, .directory): return
            case (.file, _): throw FileError(path: path, kind: .notARegularFile, message: "the \(what) is \(s.kindPhrase); netrun writes a regular file there, and will not replace it")
            case (.directory, _): throw FileError(path: path, kind: .notARegularFile, message: "the \(what) is \(s.kindPhrase), not a directory")
            }
        }
        guard errno == ENOENT else { throw FileError(path: path, kind: .io, message: "cannot write the \(what): \(systemReason())") }
        let parent = (path as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        guard let d = FileStatus(directory) else {
            throw FileError(path: path, kind: .io, message: "cannot write the \(what): directory '\(directory)': \(systemReason())")
        }
        guard d.kind == .directory else {
            throw FileError(path: path, kind: .notARegularFile, message: "cannot write the \(what): '\(directory)' is \(d.kindPhrase), not a directory")
        }
        guard access(directory, W_OK) == 0 else {
            throw FileError(path: path, kind: .io, message: "cannot write the \(what) in '\(directory)': \(systemReason())")
        }
    }
}

extension OutputPath {
    /// Checks `path` as `check` does and writes `text` there atomically (a temporary file,
    /// then a rename). A problem is printed, naming the file, and the result is false.
    static func write(_ text: String, to path: String, what: String, inputs: [(path: String, what: String)], console: Console) -> Bool {
        do {
            try check(path, what: what, inputs: inputs)
            try AtomicFile.write(Array(text.utf8), to: path)
            return true
        } catch let problem as FileError {
            console.printError(problem.description)
        } catch {
            console.printError("\(path): error: \(error)")
        }
        return false
    }
}
