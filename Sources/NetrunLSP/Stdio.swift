import NetrunFormats
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a `LanguageServer` on file descriptors (standard input and output for `netrun lsp`).
public enum StdioTransport {
    /// Serves until `exit` (0 after `shutdown`, else 1) or until the client goes away: end of
    /// input or a broken output (`write` returns false), 0 if `shutdown` came first, else 1.
    /// Messages go to `log` (standard error), never to the protocol stream.
    public static func run(input: Int32 = 0, version: String, write: @escaping ([UInt8]) -> Bool, log: (String) -> Void) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        var outputBroken = false
        let server = LanguageServer(version: version) { body in
            if !outputBroken { outputBroken = !write(MessageFramer.frame(body)) }
        }
        var framer = MessageFramer()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            do {
                while let body = try framer.next() {
                    server.handle(body)
                    if let code = server.exitCode { return code }
                }
            } catch {
                log("netrun lsp: \(error); stopping")
                return 1
            }
            if outputBroken { return server.shutdownRequested ? 0 : 1 }
            if server.hasPendingDiagnostics, !inputWaiting(input) {
                server.publishPending()
                if outputBroken { return server.shutdownRequested ? 0 : 1 }
            }
            let n = buffer.withUnsafeMutableBytes { Syscalls.read(input, $0.baseAddress, $0.count) }
            if n < 0 { return server.shutdownRequested ? 0 : 1 }
            if n == 0 { return server.shutdownRequested ? 0 : 1 }
            framer.append(buffer[0..<n])
        }
    }

    /// Whether a read would not block: more of the client's messages are already waiting.
    private static func inputWaiting(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }
}
