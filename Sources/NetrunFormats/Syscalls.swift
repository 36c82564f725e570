// The system calls netrun makes on file descriptors, each in one place: the write(2) loop
// (a pipe or a disk may take part of a buffer, a signal may interrupt), read(2), and the
// retry of a call a signal interrupted (EINTR). Callers word their own errors from the
// errno these return.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum Syscalls {
    /// `call()` again while it fails with EINTR (a signal arrived before it did anything);
    /// its result otherwise, with errno as it left it.
    @inlinable
    public static func restarting<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result != -1 || errno != EINTR { return result }
        }
    }

    /// write(2) until all of `buffer` is out. Returns the bytes written and, when that is
    /// short, why: errno, or 0 when the system wrote nothing without an error.
    public static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> (written: Int, error: Int32?) {
        var offset = 0
        while offset < buffer.count, let base = buffer.baseAddress {
            let n = restarting { write(fd, base + offset, buffer.count - offset) }
            if n < 0 { return (offset, errno) }
            if n == 0 { return (offset, 0) }
            offset += n
        }
        return (offset, nil)
    }

    /// `writeAll` of an array's bytes.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> (written: Int, error: Int32?) {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// read(2) of at most `count` bytes, retried on EINTR: the count read, 0 at the end, -1 with errno.
    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        restarting { systemRead(fd, buffer, count) }
    }

    /// POSIX write(2), named apart from `writeAll`.
    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #elseif canImport(Musl)
        Musl.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }

    static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #elseif canImport(Musl)
        Musl.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }

    /// strerror(3) of `code` as a Swift string.
    public static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
