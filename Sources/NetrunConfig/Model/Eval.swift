/// The `eval:` section: data, views, and how often to validate while training.
public struct EvalConfig: Equatable, Sendable {
    public enum Views: String, CaseIterable, Sendable {
        /// The central crop only.
        case center
        /// The central crop and its mirror image; softmax averaged (flip test-time augmentation).
        case mirror
        /// The four corner crops and the center, each with its mirror; softmax averaged.
        case tenCrop = "ten_crop"
    }

    public var data: DataSource
    public var batch: Located<Int>
    public var views: Views
    /// Validate during training this often.
    public var every: DurationConfig
    public var location: SourceLocation
}
