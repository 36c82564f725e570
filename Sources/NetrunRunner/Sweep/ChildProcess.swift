// A `netrun train` of a sweep: a child process started with posix_spawn, its output
// appended to a log file, waited for without blocking so the sweep can start the next run
// and pass a Ctrl-C on.
import Foundation
import NetrunFormats
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public struct ChildProcess: Sendable {
    public let pid: pid_t

    /// How a child ended.
    public enum Ending: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// The shell's convention: the exit code, or 128 + the signal.
        public var code: Int32 {
            switch self {
            case .exited(let c): c
            case .signaled(let s): 128 + s
            }
        }
    }

    /// Starts `arguments[0]` with `arguments`, `environment` (`KEY=value` strings) and
    /// standard output and error appended to `log` (standard input: /dev/null). The child
    /// starts with no signal blocked and SIGINT/SIGTERM at their defaults, whatever the
    /// sweep set for itself; it stays in the sweep's process group, so a Ctrl-C at the
    /// terminal reaches it as it reaches the sweep.
    public static func spawn(_ arguments: [String], environment: [String], log: String) throws(FileError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard code == 0 else {
            throw FileError(path: arguments[0], kind: .io, message: "cannot start the run: \(systemReason(code))")
        }
        return ChildProcess(pid: pid)
    }

    /// The ending of any child that has ended, without waiting; nil when none has.
    public static func reapAny() -> (pid: pid_t, ending: Ending)? {
        var status: Int32 = 0
        let pid = waitpid(-1, &status, WNOHANG)
        guard pid > 0 else { return nil }
        // The wait(2) status word: the low 7 bits are the signal (0: exited), the next 8 the exit code.
        let signal = status & 0x7f
        return (pid, signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal))
    }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// The path of the running executable (Linux: /proc/self/exe), else `fallback`.
    public static func currentExecutable(fallback: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return fallback }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
