import Foundation
import Testing
@testable import NetrunKernels

/// How many threads the kernels use: NETRUN_THREADS, else the CPUs the process may run on.
struct ParallelTests {
    @Test func netrunThreadsIsAWholeNumberFromOneTo1024() throws {
        #expect(try Parallel.threadSetting([:]).get() == nil)
        #expect(try Parallel.threadSetting(["NETRUN_THREADS": "3"]).get() == 3)
        #expect(try Parallel.threadSetting(["NETRUN_THREADS": "1024"]).get() == 1024)
        for bad in ["0", "-2", "two", "", "1.5", "1025"] {
            guard case .failure(let e) = Parallel.threadSetting(["NETRUN_THREADS": bad]) else {
                Issue.record("NETRUN_THREADS=\(bad) was accepted")
                continue
            }
            #expect(e.description == "NETRUN_THREADS=\(bad): expected the number of threads, a whole number from 1 to 1024")
        }
    }

    /// The affinity mask, as Linux reports it in /proc/self/status ("Cpus_allowed_list: 0-1").
    @Test func availableProcessorsAreTheAffinityMasks() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        var count = 0
        for part in line.split(separator: ":")[1].split(separator: ",") {
            let bounds = part.trimmingCharacters(in: .whitespaces).split(separator: "-").compactMap { Int($0) }
            count += bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1
        }
        #expect(Parallel.availableProcessors == count)
    }
}
