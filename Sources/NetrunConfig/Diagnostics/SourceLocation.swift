/// Where a value came from: a position in a YAML file (1-based line and column), or a
/// command-line override (`--set key=value`), in which case `file` holds the override text
/// and `line` is 0.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location of a `--set` override; `column` is 1-based within the override text.
    public static func override(_ text: String, column: Int = 1) -> SourceLocation {
        SourceLocation(file: "--set \(text)", line: 0, column: column)
    }

    public var isOverride: Bool { line == 0 && file.hasPrefix("--set ") }

    public var description: String {
        isOverride ? "\(file) (column \(column))" : "\(file):\(line):\(column)"
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// A value and the place it was written.
public struct Located<Value>: CustomStringConvertible {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public var description: String { "\(value)" }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}
extension Located: Sendable where Value: Sendable {}
