import NetrunFormats
import NetrunKernels
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

@Suite struct BufferPlannerTests {
    @Test func tensorsWhoseLifetimesDoNotOverlapShareMemory() {
        var p = BufferPlanner()
        let a = p.add(size: 100, start: 0, end: 1)
        let b = p.add(size: 80, start: 1, end: 2)
        let c = p.add(size: 90, start: 2, end: 3)
        let (offsets, total) = p.layout()
        #expect(offsets[a] == offsets[c], "c starts after a ends: same slot")
        #expect(offsets[a] != offsets[b])
        #expect(total < 100 + 80 + 90)
    }

    @Test func overlappingTensorsNeverShareBytes() {
        var p = BufferPlanner()
        var lifetimes: [(Int, Int, Int)] = []
        var rng = SplitMix64(seed: 3)
        for _ in 0 ..< 200 {
            let start = Int(rng.next() % 50), len = Int(rng.next() % 10), size = 1 + Int(rng.next() % 1000)
            lifetimes.append((size, start, start + len))
            _ = p.add(size: size, start: start, end: start + len)
        }
        let (offsets, total) = p.layout()
        for i in lifetimes.indices {
            #expect(offsets[i] + lifetimes[i].0 <= total)
            for j in lifetimes.indices where j > i {
                let overlapInTime = lifetimes[i].1 <= lifetimes[j].2 && lifetimes[j].1 <= lifetimes[i].2
                let overlapInMemory = offsets[i] < offsets[j] + lifetimes[j].0 && offsets[j] < offsets[i] + lifetimes[i].0
                #expect(!(overlapInTime && overlapInMemory), "tensors \(i) and \(j) collide")
            }
        }
    }
}
