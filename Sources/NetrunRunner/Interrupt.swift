// Ctrl-C and SIGTERM: the run finishes its step, saves a checkpoint and ends (exit 130).
import Foundation
import Synchronization

/// Set by SIGINT or SIGTERM; read by the loop between steps.
public enum Interrupt {
    /// The signal that arrived (0: none). A second Ctrl-C while saving does not stop the save:
    /// the handler only records.
    private static let received = Atomic<Int32>(0)

    /// Installs the handlers (once per process).
    public static func install() {
        _ = installed
    }

    private static let installed: Void = {
        Glibc.signal(SIGINT) { Interrupt.record($0) }
        Glibc.signal(SIGTERM) { Interrupt.record($0) }
        // A parent may have started us with the signals blocked (the mask survives exec): a
        // blocked SIGINT would never reach the handler.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }()

    private static func record(_ number: Int32) {
        received.store(number, ordering: .relaxed)
    }

    /// The signal received since the start (or the last `reset`), if any.
    public static var pending: Int32? {
        let s = received.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// For tests: ask the loop to stop as a signal would.
    public static func request(_ number: Int32 = SIGINT) { record(number) }

    public static func reset() { received.store(0, ordering: .relaxed) }
}
