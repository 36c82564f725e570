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
    /// input or a broken output, 0 if `shutdown` came first, else 1. Messages go to `log`
    /// (standard error), never to the protocol stream.
    public static func run(input: Int32 = 0, output: Int32 = 1, version: String, log: (String) -> Void) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        var outputBroken = false
        let server = LanguageServer(version: version) { body in
            if !outputBroken { outputBroken = !writeAll(output, MessageFramer.frame(body)) }
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
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return server.shutdownRequested ? 0 : 1
            }
            if n == 0 { return server.shutdownRequested ? 0 : 1 }
            framer.append(buffer[0..<n])
        }
    }

    /// Whether a read would not block: more of the client's messages are already waiting.
    private static func inputWaiting(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// write(2) until every byte is out; false when the stream is gone.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let n = write(fd, base + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }
}
