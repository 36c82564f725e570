import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that either fully replace the target or leave it untouched.
///
/// The bytes go to a fresh temporary file in the target's directory (so the final
/// rename stays within one file system), which is fsynced and then renamed over the
/// target; the directory is fsynced afterwards (best effort). On any failure the
/// temporary file is removed and a `FileError` of kind `.io` is thrown.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try write(bytes: $0, to: path, beforeRename: nil) }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try write(bytes: $0, to: path, beforeRename: nil) }
    }

    /// The implementation; `beforeRename` lets tests inject a failure after the
    /// temporary file is complete but before it replaces the target.
    static func write(
        bytes: UnsafeRawBufferPointer, to path: String,
        beforeRename: ((_ temporaryPath: String) throws -> Void)?
    ) throws {
        guard !path.isEmpty else {
            throw FileError(path: path, kind: .io, message: "cannot write to an empty path")
        }
        let (directory, name) = split(path)
        let temporary = "\(directory)/\(temporaryName(for: name))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw ioError(path, "cannot create a temporary file in '\(directory)'") }

        var descriptor: Int32? = fd
        do {
            if let failure = Syscalls.writeAll(fd, bytes).error {
                throw FileError(path: path, kind: .io, message: "cannot write: "
                                  + (failure == 0 ? "the system wrote nothing" : Syscalls.describe(failure)))
            }
            guard fsync(fd) == 0 else { throw ioError(path, "cannot sync") }
            descriptor = nil
            guard close(fd) == 0 else { throw ioError(path, "cannot close") }
            try beforeRename?(temporary)
            guard rename(temporary, path) == 0 else { throw ioError(path, "cannot replace") }
        } catch {
            if let unclosed = descriptor { close(unclosed) }
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable; failure here does not undo a complete write.
        let directoryFD = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// The name of a temporary file for `name` in the same directory:
    /// `.<name>.tmp-<process id>-<random 32-bit number>`.
    static func temporaryName(for name: String) -> String {
        ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    }

    /// Whether a directory entry's name is one of `temporaryName(for:)`'s: a file a writer
    /// killed between creating and renaming it (`kill -9`, a power cut) left behind.
    public static func isTemporaryName(_ name: String) -> Bool {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
              marker.lowerBound > name.index(after: name.startIndex) else { return false }
        let numbers = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        return numbers.count == 2 && numbers.allSatisfy { !$0.isEmpty && $0.count <= 10 && $0.allSatisfy { ("0" ... "9").contains($0) } }
    }

    /// Removes the temporary files (`isTemporaryName`) in `directory`, not recursing, and
    /// returns their names. Call it only when no writer can be working there (the run
    /// directory's lock is held): a live writer's temporary file looks the same.
    @discardableResult
    public static func removeTemporaries(in directory: String) throws(FileError) -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw FileError(path: directory, kind: .io, message: "cannot list the directory to remove stale temporary files")
        }
        var removed: [String] = []
        for name in names.sorted() where isTemporaryName(name) {
            let path = "\(directory)/\(name)"
            var status = stat()
            // Only a regular file: never a directory or what a symbolic link points to.
            guard lstat(path, &status) == 0, FileKind(mode: status.st_mode) == .regular else { continue }
            guard unlink(path) == 0 || errno == ENOENT else { throw ioError(path, "cannot remove a stale temporary file") }
            removed.append(name)
        }
        return removed
    }

    /// `(directory, last component)`; the directory is "." for a bare file name.
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        return (directory.isEmpty ? "/" : directory, name)
    }

    private static func ioError(_ path: String, _ what: String) -> FileError {
        let reason = String(cString: strerror(errno))
        return FileError(path: path, kind: .io, message: "\(what): \(reason)")
    }
}

extension Array where Element == Float {
    /// Decodes little-endian float32 values from `bytes` (whose count must be a multiple of 4).
    init(littleEndianFloat32 bytes: UnsafeRawBufferPointer) {
        let count = bytes.count / 4
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            #if _endian(little)
            if count > 0, let source = bytes.baseAddress {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(start: source, count: count * 4))
            }
            #else
            for i in 0 ..< count {
                let bits = bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
            }
            #endif
            initialized = count
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends `values` as little-endian float32.
    mutating func appendLittleEndian(_ values: [Float]) {
        #if _endian(little)
        values.withUnsafeBytes { append(contentsOf: $0) }
        #else
        for value in values {
            Swift.withUnsafeBytes(of: value.bitPattern.littleEndian) { append(contentsOf: $0) }
        }
        #endif
    }

    /// Appends `value` as little-endian bytes.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`; the caller checks bounds.
    func littleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
