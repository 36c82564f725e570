import Foundation
import Testing
import _NetrunTestSupport

/// True when python3 can import jsonschema and yaml (checked once).
let jsonSchemaAvailable: Bool = runProcess("/usr/bin/env", ["python3", "-c", "import jsonschema, yaml"]) == 0

/// `netrun schema`: generated from the op and section tables, committed as
/// Configs/netrun.schema.json, and checked with Python's `jsonschema` (draft 2020-12).
@Suite struct SchemaTests {
    @Test func theCommittedSchemaIsWhatTheCommandPrints() throws {
        let r = netrun(["schema"])
        #expect(r.code == 0)
        let committed = try String(contentsOfFile: "\(repositoryRoot)/Configs/netrun.schema.json", encoding: .utf8)
        #expect(r.out == committed, "Configs/netrun.schema.json is stale: regenerate it with `netrun schema > Configs/netrun.schema.json`")
    }

    @Test func everyConfigNamesTheSchemaForTheYAMLLanguageServer() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(repositoryRoot)/Configs").filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for f in files {
            let text = try String(contentsOfFile: "\(repositoryRoot)/Configs/\(f)", encoding: .utf8)
            #expect(text.hasPrefix("# yaml-language-server: $schema=netrun.schema.json\n"), "\(f)")
        }
    }

    /// Every config validates; a misspelled op, an out-of-range value, a misspelled setting, a
    /// wrong type and a missing required setting are each rejected.
    @Test(.enabled(if: jsonSchemaAvailable || torchRequired, "python3 with jsonschema and yaml"))
    func pythonsJSONSchemaAcceptsTheConfigsAndRejectsMistakes() throws {
        try #require(jsonSchemaAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import jsonschema and yaml")
        let script = """
        import copy, glob, json, sys, yaml, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        v = jsonschema.Draft202012Validator(schema)
        bad = 0
        for f in sorted(glob.glob(sys.argv[2] + '/*.yaml')):
            errors = list(v.iter_errors(yaml.safe_load(open(f))))
            if errors: print('REJECTED', f, errors[0].message[:200]); bad += 1
        base = yaml.safe_load(open(sys.argv[2] + '/fashion-alexnet.yaml'))
        def mutated(path, value):
            d = copy.deepcopy(base); node = d
            for k in path[:-1]: node = node[k]
            node[path[-1]] = value
            return d
        layers = base['model']['layers']
        i = next(i for i, l in enumerate(layers) if 'dropout' in l)
        cases = {
            'misspelled op': mutated(['model', 'layers', 1], {'maxpol': {'kernel': 3}}),
            'rate out of range': mutated(['model', 'layers', i], {'dropout': {'rate': 1.5}}),
            'misspelled setting': mutated(['model', 'layers', 0], {'conv': {'out': 8, 'kernel': 3, 'strid': 2}}),
            'missing required': mutated(['model', 'layers', 0], {'conv': {'out': 8}}),
            'batch 0': mutated(['train', 'batch'], 0),
            'wrong type': mutated(['model', 'classes'], 'ten'),
            'unknown optimizer key': mutated(['train', 'optimizer', 'momentun'], 0.9),
            'two ops in one layer': mutated(['model', 'layers', 1], {'relu': None, 'flatten': None}),
            'an empty layer': mutated(['model', 'layers', 1], {}),
            'a bare op with required settings': mutated(['model', 'layers', 1], 'conv'),
        }
        cases['train without its required keys'] = mutated(['train'], {'batch': 64})
        for name, d in cases.items():
            if not list(v.iter_errors(d)): print('ACCEPTED', name); bad += 1
        # A config that extends another may give only what it changes.
        child = {'extends': 'fashion-alexnet.yaml', 'train': {'batch': 64, 'optimizer': {'lr': 0.1}}}
        errors = list(v.iter_errors(child))
        if errors: print('REJECTED the partial child', errors[0].message[:200]); bad += 1
        sys.exit(1 if bad else 0)
        """
        try withTemporaryDirectory { dir in
            try script.write(toFile: "\(dir)/check.py", atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "\(dir)/check.py", "\(repositoryRoot)/Configs/netrun.schema.json", "\(repositoryRoot)/Configs"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(out)")
        }
    }
}
