import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads of inputs named by the user (weights, arrays), with every refusal in
/// plain words naming the file: no such file or unreadable (strerror's reason), a
/// directory, a FIFO, device or socket, an empty file, a file over the size limit.
///
/// The file's type and size are checked with stat(2) before it is opened, and again with
/// fstat(2) on the opened descriptor (opened with O_NONBLOCK, so a FIFO swapped in between
/// cannot block the open); a device is never read, let alone to its end. A regular file
/// is memory-mapped (read(2) where mmap is refused), so a large weights file costs no copy
/// until its tensors are decoded.
public enum FileInput {
    /// The default size limit of the readers: 8 GiB.
    public static let defaultLimit = 8 << 30

    /// The whole regular file at `path`, or a `FileError` naming it.
    /// - Parameter limit: the largest size accepted, in bytes.
    public static func read(path: String, limit: Int = defaultLimit) throws -> Data {
        func failure(_ kind: FileError.Kind, _ message: String) -> FileError {
            FileError(path: path, kind: kind, message: message)
        }
        func unreadable() -> FileError { failure(.io, "cannot read the file: \(systemReason(errno))") }

        var status = stat()
        guard stat(path, &status) == 0 else { throw unreadable() }
        let size = try checkedSize(status, limit: limit, failure)

        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw unreadable() }
        defer { close(fd) }
        guard fstat(fd, &status) == 0 else { throw unreadable() }
        guard try checkedSize(status, limit: limit, failure) == size else {
            throw failure(.io, "cannot read the file: it changed while being opened")
        }
        if let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != UnsafeMutableRawPointer(bitPattern: -1) {
            return Data(bytesNoCopy: mapped, count: size, deallocator: .custom { pointer, count in munmap(pointer, count) })
        }
        return try readAll(fd, size: size, unreadable: unreadable, failure)
    }

    /// The size of a regular, non-empty file within `limit`; anything else is refused.
    private static func checkedSize(
        _ status: stat, limit: Int, _ failure: (FileError.Kind, String) -> FileError
    ) throws -> Int {
        let kind = FileKind(mode: status.st_mode)
        guard kind == .regular else {
            throw failure(.notARegularFile, "expected a regular file, found \(kind.phrase)")
        }
        let size = Int(status.st_size)
        guard size > 0 else { throw failure(.truncated, "the file is empty") }
        guard size <= limit else {
            throw failure(.fileTooLarge, "the file is \(size) bytes, over the limit of \(byteSize(limit))")
        }
        return size
    }

    /// Reads exactly `size` bytes; a file that shrank meanwhile is an error.
    private static func readAll(
        _ fd: Int32, size: Int, unreadable: () -> FileError, _ failure: (FileError.Kind, String) -> FileError
    ) throws -> Data {
        var data = Data(count: size)
        var offset = 0
        try data.withUnsafeMutableBytes { buffer in
            while offset < size {
                let got = Syscalls.read(fd, buffer.baseAddress.map { $0 + offset }, size - offset)
                if got < 0 { throw unreadable() }
                guard got > 0 else { throw failure(.io, "cannot read the file: it shrank from \(size) to \(offset) bytes while being read") }
                offset += got
            }
        }
        return data
    }

    /// `8 GiB (8589934592 bytes)`, `100 bytes`: a size in words.
    static func byteSize(_ bytes: Int) -> String {
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift) \(unit) (\(bytes) bytes)"
        }
        return "\(bytes) bytes"
    }
}

/// Why stat(2) cannot follow a path: missing, a symbolic link to nothing (which stat calls
/// missing too), or its reason in `systemReason`'s words (a loop of links among them).
public enum PathProblem: Equatable, Sendable {
    case missing
    case danglingSymbolicLink
    /// Another failure (ELOOP, EACCES, ...), with its errno.
    case failed(Int32)

    /// The problem with `path`, or nil when stat(2) follows it to a file.
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) != 0 else { return nil }
        let code = errno
        switch code {
        case ENOENT:
            self = lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK ? .danglingSymbolicLink : .missing
        default: self = .failed(code)
        }
    }

    public var phrase: String {
        switch self {
        case .missing: return systemReason(ENOENT)
        case .danglingSymbolicLink: return "it is a symbolic link to a file that does not exist"
        case .failed(let code): return systemReason(code)
        }
    }
}

/// What a path names, from stat(2)'s mode, and its name in messages: the one place the
/// readers (FileInput) and the command line's file checks call a file a FIFO or a device.
public enum FileKind: Equatable, Sendable {
    case regular, directory, fifo, characterDevice, blockDevice, socket, other

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }

    /// "a directory", "a FIFO (named pipe)", ...
    public var phrase: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO (named pipe)"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .other: return "something else"
        }
    }
}

/// strerror(3)'s reason, in words a user acts on where strerror's are cryptic: ELOOP is
/// "Too many levels of symbolic links", which a loop of links (a -> b -> a) gives.
public func systemReason(_ code: Int32) -> String {
    if code == ELOOP { return "its path is a loop of symbolic links (or a chain of more than 40)" }
    return String(cString: strerror(code))
}
