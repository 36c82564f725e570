/// Exit codes: 0 clean, 1 the config has errors, 2 usage or I/O errors.
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let configErrors: Int32 = 1
    public static let usage: Int32 = 2
    /// Training stopped: the loss or a gradient became NaN or infinite.
    public static let diverged: Int32 = 3
    /// The ranks of a data-parallel (MPI) run could not exchange: one stopped, or the network failed.
    public static let distributed: Int32 = 4
    /// Stopped by SIGINT or SIGTERM (after saving), as shells report 128 + SIGINT.
    public static let interrupted: Int32 = 130
}
