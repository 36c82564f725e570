/// A value the runner was given that it cannot use: an optimizer's, a schedule's or an
/// average's setting, or a saved state that does not fit the model. The message is a bare
/// sentence, with no path: the caller knows the config position or the file and names it
/// (`TrainError`, a `FileError` of the run's state). Not a `FileError`: no file is involved.
public struct SettingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
