import Testing
@testable import NetrunConfig

@Suite struct YAMLNodeTests {
    private func type(_ yaml: String) throws -> YAMLNode.CoreTag? {
        try YAMLReader.parse("v: \(yaml)", file: "t.yaml")["v"]?.coreType
    }

    @Test(arguments: [
        ("12", YAMLNode.CoreTag.int), ("-3", .int), ("+7", .int), ("1_000", .int), ("0x1F", .int), ("0o17", .int),
        ("1.5", .float), (".5", .float), ("5.", .float), ("2e-3", .float), ("-1E+5", .float),
        (".inf", .float), ("-.Inf", .float), (".NaN", .float),
        ("true", .bool), ("FALSE", .bool),
        ("~", .null), ("null", .null), ("", .null),
        ("\"12\"", .str), ("'.nan'", .str), ("!!str 12", .str), ("!!float 1", .float),
        ("nan", .str), ("inf", .str), ("0x1p3", .str), ("1e", .str), (".", .str), ("1.2.3", .str), ("yes", .str), ("a.yaml", .str),
    ])
    func aScalarIsTypedByTheCoreSchema(yaml: String, expected: YAMLNode.CoreTag) throws {
        #expect(try type(yaml) == expected, "\(yaml)")
    }

    @Test func aCollectionHasNoCoreScalarType() throws {
        #expect(try type("[1, 2]") == nil)
        #expect(try type("{a: 1}") == nil)
    }
}
