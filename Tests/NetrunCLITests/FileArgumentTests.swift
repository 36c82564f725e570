import Foundation
import Testing
import _NetrunTestSupport

/// Files that cannot be used: every file argument of every command, named with what is
/// wrong in plain words, exit 2; a file with config errors stays exit 1.
@Suite struct FileArgumentTests {
    /// A path of each kind that is not a usable input file, and the words expected for it.
    static func unusable(in dir: String) throws -> [(path: String, message: String)] {
        let fifo = "\(dir)/pipe"
        try #require(mkfifo(fifo, 0o644) == 0)
        let empty = "\(dir)/empty"
        try Data().write(to: URL(fileURLWithPath: empty))
        let plain = "\(dir)/plain"
        try Data("x".utf8).write(to: URL(fileURLWithPath: plain))
        return [
            ("/dev/zero", "is a character device, not a regular file"),
            ("/dev/null", "is a character device, not a regular file"),
            (fifo, "is a FIFO (named pipe), not a regular file"),
            (dir, "is a directory, not a regular file"),
            (empty, "is empty (0 bytes)"),
            ("\(dir)/absent", ": No such file or directory"),
            ("\(plain)/inside", ": Not a directory"),
        ]
    }

    /// Every single-config command, with whatever else it needs to get to its files.
    static func commandLine(_ command: String, config: String, dir: String) throws -> [String] {
        let reference = try fixturePath("fashion-alexnet")
        switch command {
        case "predict": return ["predict", config, "--weights", "\(reference)/weights.safetensors",
                                "--input", "\(reference)/input.npy", "--output", "\(dir)/y.npy"]
        case "bench": return ["bench", config, "--batch", "1", "--steps", "1"]
        default: return [command, config]
        }
    }

    @Test(arguments: ["validate", "summary", "graph", "config", "predict", "check", "bench"])
    func anUnusableConfigExitsWithTwoAndSaysWhy(command: String) throws {
        try withTemporaryDirectory { dir in
            for (path, message) in try Self.unusable(in: dir) {
                let r = netrun(try Self.commandLine(command, config: path, dir: dir))
                #expect(r.code == 2, "\(command) \(path): \(r.err)")
                #expect(r.err.hasPrefix("\(path): error: "), "\(r.err)")
                #expect(r.err.contains(message), "\(command) \(path): \(r.err)")
            }
        }
    }

    @Test func aConfigLargerThanTheLimitExitsWithTwo() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/big.yaml"
            try Data(repeating: 0x20, count: (1 << 20) + 1).write(to: URL(fileURLWithPath: path))
            let r = netrun(["validate", path])
            #expect(r.code == 2)
            #expect(r.err.contains("\(path): error: the config is 1048577 bytes, larger than the 1048576 bytes netrun reads"), "\(r.err)")
        }
    }

    @Test func aConfigWithErrorsStillExitsWithOne() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/net.yaml"
            try "model: {input: [3, 8, 8], classes: 2, layers: [{conv: {out: 2, kernle: 3}}, loss]}\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(netrun(["validate", path]).code == 1)
            #expect(netrun(["summary", path]).code == 1)
        }
    }

    @Test func validateReportsAnUnusableFileInJSONAndChecksTheRest() throws {
        let r = netrun(["validate", "--format", "json", "/dev/null", configPath("fashion-alexnet")])
        #expect(r.code == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.map { $0["ok"] as? Bool } == [false, true])
        let diagnostics = try #require(files.first?["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.first?["message"] as? String == "the config is a character device, not a regular file")
        #expect(json["errors"] as? Int == 1)
    }

    @Test func anOverrideWithoutAnEqualsSignIsAUsageError() {
        for command in ["validate", "summary", "config"] {
            let r = netrun([command, "--set", "train.batch", configPath("fashion-alexnet")])
            #expect(r.code == 2, "\(command)")
            #expect(r.err.contains("--set train.batch: an override is written key.path=value"), "\(r.err)")
        }
    }

    @Test(arguments: ["--weights", "--input"])
    func anUnusableWeightsOrInputFileIsNamedInPlainWords(option: String) throws {
        let what = option == "--weights" ? "weights file" : "input file"
        try withTemporaryDirectory { dir in
            for (path, message) in try Self.unusable(in: dir) {
                var arguments = try Self.commandLine("predict", config: configPath("fashion-alexnet"), dir: dir)
                let i = try #require(arguments.firstIndex(of: option))
                arguments[i + 1] = path
                let r = netrun(arguments)
                #expect(r.code == 2, "\(path)")
                #expect(r.err.hasPrefix("\(path): error: "), "\(r.err)")
                #expect(r.err.contains("the \(what) ") || r.err.contains("cannot read the \(what): "), "\(r.err)")
                #expect(r.err.contains(message), "\(r.err)")
                #expect(!r.err.contains("NSCocoaErrorDomain") && !r.err.contains("permission"), "\(r.err)")
            }
        }
    }

    @Test func unusableOutputsAreNamedInPlainWords() throws {
        try withTemporaryDirectory { dir in
            let plain = "\(dir)/plain"
            try Data("x".utf8).write(to: URL(fileURLWithPath: plain))
            let fifo = "\(dir)/pipe"
            #expect(mkfifo(fifo, 0o644) == 0)
            let cases: [(String, String)] = [
                (dir, "the output is a directory; netrun writes a regular file there, and will not replace it"),
                ("/dev/null", "the output is a character device; netrun writes a regular file there, and will not replace it"),
                (fifo, "the output is a FIFO (named pipe); netrun writes a regular file there, and will not replace it"),
                ("\(dir)/missing/y.npy", "cannot write the output: directory '\(dir)/missing': No such file or directory"),
                ("\(plain)/y.npy", "cannot write the output: Not a directory"),
            ]
            for (path, message) in cases {
                var arguments = try Self.commandLine("predict", config: configPath("fashion-alexnet"), dir: dir)
                arguments[arguments.count - 1] = path
                let r = netrun(arguments)
                #expect(r.code == 2, "\(path)")
                #expect(r.err == "\(path): error: \(message)\n", "\(r.err)")
            }
            var info = stat()
            #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "/dev/null is still a device")
        }
    }
}

/// `predict --output` that is one of the inputs, however spelled: refused, the input untouched.
@Suite struct OutputIsAnInputTests {
    let reference: String
    init() throws { reference = try fixturePath("fashion-alexnet") }

    /// Copies of the config, weights and input in `dir`, so that a failure cannot damage the fixtures.
    func copies(in dir: String) throws -> (config: String, weights: String, input: String) {
        let fm = FileManager.default
        try fm.copyItem(atPath: configPath("fashion-alexnet"), toPath: "\(dir)/net.yaml")
        try fm.copyItem(atPath: "\(reference)/weights.safetensors", toPath: "\(dir)/w.safetensors")
        try fm.copyItem(atPath: "\(reference)/input.npy", toPath: "\(dir)/x.npy")
        return ("\(dir)/net.yaml", "\(dir)/w.safetensors", "\(dir)/x.npy")
    }

    enum Spelling: String, CaseIterable { case same, dotSlash, symlink, hardLink }

    /// The output path for `target` spelled the `spelling` way (links made in `dir`).
    func spell(_ target: String, _ spelling: Spelling, dir: String) throws -> String {
        switch spelling {
        case .same: return target
        case .dotSlash:
            let name = (target as NSString).lastPathComponent
            return "\(dir)/./\(name)"
        case .symlink:
            try FileManager.default.createSymbolicLink(atPath: "\(dir)/link", withDestinationPath: target)
            return "\(dir)/link"
        case .hardLink:
            try FileManager.default.linkItem(atPath: target, toPath: "\(dir)/hard")
            return "\(dir)/hard"
        }
    }

    @Test(arguments: ["weights", "input", "config"], Spelling.allCases)
    func anOutputThatIsAnInputIsRefused(input which: String, spelling: Spelling) throws {
        try withTemporaryDirectory { dir in
            let files = try copies(in: dir)
            let target = which == "weights" ? files.weights : which == "input" ? files.input : files.config
            let before = try Data(contentsOf: URL(fileURLWithPath: target))
            let output = try spell(target, spelling, dir: dir)
            let r = netrun(["predict", files.config, "--weights", files.weights, "--input", files.input, "--output", output])
            #expect(r.code == 2, "\(r.out)\(r.err)")
            let named = which == "config" ? "the config" : "--\(which)"
            #expect(r.err == "\(output): error: the output is the same file as \(named) '\(target)'; netrun does not overwrite its inputs\n", "\(r.err)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == before, "the \(which) file is unchanged")
        }
    }

    @Test func aDifferentOutputIsStillWritten() throws {
        try withTemporaryDirectory { dir in
            let files = try copies(in: dir)
            let r = netrun(["predict", files.config, "--weights", files.weights, "--input", files.input, "--output", "\(dir)/y.npy"])
            #expect(r.code == 0, "\(r.err)")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/y.npy"))
        }
    }
}
