import Foundation
import Testing
import _NetrunTestSupport
@testable import NetrunCLI

/// Output streams as it is printed; tests read a buffer.
@Suite struct ConsoleTests {
    /// Reads what is in the pipe now, without waiting for more.
    func available(_ fd: Int32) -> String {
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &bytes, bytes.count)
        return n > 0 ? String(decoding: bytes.prefix(n), as: UTF8.self) : ""
    }

    @Test func aDescriptorConsoleWritesEachPrintAtOnce() throws {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        try #require(pipe(&out) == 0 && pipe(&err) == 0)
        defer { for fd in out + err { close(fd) } }
        for fd in [out[0], err[0]] { _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        let console = Console(.descriptors(out: out[1], err: err[1]))
        console.print("step 1", terminator: "")
        // In the pipe before anything else happens: no buffering, no flush, no close.
        #expect(available(out[0]) == "step 1")
        console.print("\rstep 2", terminator: "")
        #expect(available(out[0]) == "\rstep 2")
        console.printError("warning: x")
        #expect(available(err[0]) == "warning: x\n")
        #expect(available(out[0]) == "")
        #expect(console.out.isEmpty, "a descriptor console keeps nothing")
        #expect(!console.errorIsTerminal)
    }

    @Test func aBufferConsoleKeepsTheStreamsApart() {
        let console = Console(.buffer)
        console.print("a")
        console.printError("b", terminator: "")
        console.print("c", terminator: "")
        #expect(console.out == "a\nc")
        #expect(console.err == "b")
    }

    @Test func runReturnsWhatTheCommandPrinted() {
        let (code, console) = Netrun.run(["summary", configPath("fashion-alexnet")])
        #expect(code == 0)
        #expect(console.out.contains("parameters:       1,106,794"))
        #expect(console.err.isEmpty)
    }

    /// The built executable, beside the test bundle.
    static let executable: String? = {
        let dir = Bundle.main.bundleURL.path
        return [dir + "/netrun", (dir as NSString).deletingLastPathComponent + "/netrun"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The process's exit status is the command's (2 here, a file that cannot be used),
    /// and its messages reach the real standard error.
    @Test(.enabled(if: executable != nil)) func theExecutableExitsWithTheCommandsCode() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.executable))
        process.arguments = ["validate", "/dev/zero"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text == "/dev/zero: error: the config is a character device, not a regular file\n1 error, 0 warnings in 1 file\n")
    }
}
