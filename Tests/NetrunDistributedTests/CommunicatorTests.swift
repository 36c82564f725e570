import Foundation
import Testing
@testable import NetrunDistributed

/// The single-process communicator and the launcher detection; MPI itself is exercised by
/// NetrunCLITests' DistributedTrainTests (mpirun -np 2).
@Suite struct CommunicatorTests {
    @Test func withoutALauncherTheProcessIsAloneAndNeedsNoMPI() throws {
        #expect(!Distributed.launchedByMPI([:]))
        #expect(!Distributed.launchedByMPI(["PATH": "/usr/bin"]))
        let c = try Distributed.start([:])
        #expect(c is SingleProcess && c.rank == 0 && c.size == 1 && c.isRoot)
    }

    @Test func mpirunIsRecognizedByItsEnvironment() {
        #expect(Distributed.launchedByMPI(["OMPI_COMM_WORLD_SIZE": "2"]))
        #expect(Distributed.launchedByMPI(["PMIX_RANK": "0"]))
        #expect(Distributed.launchedByMPI(["PMI_SIZE": "4"]))
    }

    @Test func aNetrunBuiltWithoutMPIRefusesMpirunSayingWhy() throws {
        guard !Distributed.isAvailable else { return }
        #expect(throws: DistributedError.self) { try Distributed.start(["OMPI_COMM_WORLD_SIZE": "2"]) }
    }

    @Test func theTimeoutIsReadFromTheEnvironmentAndCheckedAndDefaultsToFiveMinutes() throws {
        #expect(try Distributed.timeout([:]) == 300)
        #expect(try Distributed.timeout(["NETRUN_MPI_TIMEOUT": "12.5"]) == 12.5)
        #expect(try Distributed.timeout(["NETRUN_MPI_TIMEOUT": "0"]) == 0)
        for bad in ["-1", "soon", "", "inf", "nan"] {
            #expect(throws: DistributedError.self, "\(bad)") { try Distributed.timeout(["NETRUN_MPI_TIMEOUT": bad]) }
        }
    }

    @Test func oneProcessKeepsItsValues() throws {
        let c = SingleProcess()
        var floats: [Float] = [1, -2, 3]
        try floats.withUnsafeMutableBufferPointer { try c.average($0.baseAddress!, count: 3) }
        try c.broadcast(&floats)
        #expect(floats == [1, -2, 3])
        #expect(try c.sum([0.5, 2]) == [0.5, 2])
        #expect(try c.broadcast(Data([7, 8, 9])) == Data([7, 8, 9]))
    }
}
