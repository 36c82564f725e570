/// One problem found in a configuration: a severity, where, what, and notes that point at
/// related places (the other half of a duplicate key, the block instance that expanded a
/// template line).
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable, Comparable {
        case error, warning

        public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
    }

    public struct Note: Hashable, Sendable {
        public var location: SourceLocation
        public var message: String

        public init(_ message: String, at location: SourceLocation) {
            self.location = location
            self.message = message
        }
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    public var notes: [Note]

    public init(_ severity: Severity, _ message: String, at location: SourceLocation, notes: [Note] = []) {
        self.severity = severity
        self.location = location
        self.message = message
        self.notes = notes
    }

    public static func error(_ message: String, at location: SourceLocation, notes: [Note] = []) -> Diagnostic {
        Diagnostic(.error, message, at: location, notes: notes)
    }

    public static func warning(_ message: String, at location: SourceLocation, notes: [Note] = []) -> Diagnostic {
        Diagnostic(.warning, message, at: location, notes: notes)
    }

    /// `file:line:col: error: message`, without the source excerpt.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// The problems of one load, in the order found; `sorted` orders them by position.
public struct Diagnostics: Sendable, Equatable {
    public private(set) var all: [Diagnostic] = []
    private var seen: Set<Diagnostic> = []

    public init() {}

    /// Adds a diagnostic once: a template line expanded nine times reports a problem once per
    /// distinct (location, message, notes).
    public mutating func append(_ d: Diagnostic) {
        if seen.insert(d).inserted { all.append(d) }
    }

    public mutating func error(_ message: String, at location: SourceLocation, notes: [Diagnostic.Note] = []) {
        append(.error(message, at: location, notes: notes))
    }

    public mutating func warning(_ message: String, at location: SourceLocation, notes: [Diagnostic.Note] = []) {
        append(.warning(message, at: location, notes: notes))
    }

    public mutating func append(contentsOf other: Diagnostics) {
        for d in other.all { append(d) }
    }

    public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { all.filter { $0.severity == .warning } }
    public var hasErrors: Bool { all.contains { $0.severity == .error } }
    public var isEmpty: Bool { all.isEmpty }

    /// By file, line, column; errors before warnings at the same place.
    public var sorted: [Diagnostic] {
        all.sorted { ($0.location, $0.severity) < ($1.location, $1.severity) }
    }
}

/// Thrown when a load cannot produce a configuration; carries every problem found.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: Diagnostics

    public init(_ diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    public init(_ d: Diagnostic) {
        var all = Diagnostics()
        all.append(d)
        diagnostics = all
    }

    public var description: String { diagnostics.sorted.map(\.description).joined(separator: "\n") }
}
