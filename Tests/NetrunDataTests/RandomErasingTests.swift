import Foundation
import NetrunConfig
import NetrunFormats
import Testing
@testable import NetrunData

/// `random_erasing`: torchvision's RandomErasing, drawn from each example's own generator.
/// Random, so tested by its statistics against torchvision's and by what it does to a view.
@Suite struct RandomErasingTests {
    static let recipe = RandomErasing(p: 0.5, scale: 0.02 ... 0.33, ratio: 0.3 ... 3.3, value: 0)

    /// torchvision 0.29.2, `RandomErasing.get_params(torch.zeros(1, 28, 28), scale=(0.02, 0.33),
    /// ratio=(0.3, 3.3), value=[0])` over 200,000 draws (torch.manual_seed(0)): every draw fits;
    /// h mean 11.8722 (sd 5.4320), w mean 11.8999, area share mean 0.174023 (sd 0.089106), top
    /// mean 8.0866. netrun's 40,000 draws must agree within four standard errors of the
    /// difference (the area's: 4 * 0.0891 * sqrt(1/40000 + 1/200000) = 0.0020).
    @Test func rectanglesHaveTorchvisionsDistribution() throws {
        let n = 40_000
        var rng = SplitMix64(seed: 2024)
        var hs: [Double] = [], ws: [Double] = [], areas: [Double] = [], tops: [Double] = []
        for _ in 0 ..< n {
            let r = try #require(Renderer.erasedRectangle(Self.recipe, height: 28, width: 28, &rng), "a draw did not fit")
            #expect(r.top >= 0 && r.left >= 0 && r.top + r.height <= 28 && r.left + r.width <= 28 && r.height < 28 && r.width < 28)
            hs.append(Double(r.height))
            ws.append(Double(r.width))
            areas.append(Double(r.height * r.width) / 784)
            tops.append(Double(r.top))
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        func sd(_ v: [Double]) -> Double { let m = mean(v); return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot() }
        let se = (1.0 / Double(n) + 1.0 / 200_000).squareRoot()
        #expect(abs(mean(areas) - 0.174023) < 4 * 0.089106 * se, "area share mean \(mean(areas))")
        #expect(abs(sd(areas) - 0.089106) < 0.003, "area share sd \(sd(areas))")
        #expect(abs(mean(hs) - 11.8722) < 4 * 5.4320 * se, "height mean \(mean(hs))")
        #expect(abs(sd(hs) - 5.4320) < 0.15, "height sd \(sd(hs))")
        #expect(abs(mean(ws) - 11.8999) < 4 * 5.4320 * se, "width mean \(mean(ws))")
        // The corner: uniform over the places the rectangle fits, so its mean is (28 - h) / 2 on average.
        #expect(abs(mean(tops) - 8.0866) < 4 * 6 * se, "top mean \(mean(tops))")
    }

    /// A range nothing fits in: ten tries, then no rectangle (torchvision returns the image).
    @Test func aRectangleThatNeverFitsErasesNothing() {
        var rng = SplitMix64(seed: 1)
        let never = RandomErasing(p: 1, scale: 0.99 ... 1, ratio: 1 ... 1, value: 0)
        #expect(Renderer.erasedRectangle(never, height: 5, width: 5, &rng) == nil)
    }

    /// Through the loader: about `p` of the views are erased; an erased view is the plain
    /// view with one rectangle, in every channel, set to `value` after normalization.
    @Test func aboutPOfTheViewsAreErasedToTheValueAfterNormalization() throws {
        let dir = try temporaryDirectory()
        let d = try distinctDataset(count: 400, shape: [2, 6, 6])
        let data = "{format: synthetic, scale: 2, mean: 0.5, std: 4}"
        let erased = try config(dir, input: [2, 6, 6], classes: 3, data: data,
                                augment: "[mirror: {p: 0.5}, random_erasing: {p: 0.4, scale: [0.1, 0.5], value: -7}]")
        let plain = try config(dir, input: [2, 6, 6], classes: 3, data: data, augment: "[mirror: {p: 0.5}]")
        func loader(_ c: Config) throws -> BatchLoader {
            let pre = try Preprocessing(source: try #require(c.train?.data), input: [2, 6, 6], augment: try #require(c.train?.augment))
            return try BatchLoader(dataset: d, preprocessing: pre, batch: 50, shuffle: true, seed: 5, training: true, prefetch: 0)
        }
        let a = take(try loader(erased), 8), b = take(try loader(plain), 8)
        #expect(a.count == 8 && b.count == 8)
        var count = 0
        for (x, y) in zip(a, b) {
            #expect(x.indices == y.indices, "erasing draws after the others: the same order and flips")
            for i in 0 ..< x.count {
                let view = Array(x.images[i * 72 ..< (i + 1) * 72]), base = Array(y.images[i * 72 ..< (i + 1) * 72])
                let changed = (0 ..< 72).filter { view[$0] != base[$0] }
                guard !changed.isEmpty else { continue }
                count += 1
                #expect(changed.allSatisfy { view[$0] == -7 }, "erased pixels hold the value")
                // One rectangle, the same in both channels.
                let first = changed.filter { $0 < 36 }
                #expect(first.map { $0 + 36 } == changed.filter { $0 >= 36 })
                let rows = Set(first.map { $0 / 6 }), cols = Set(first.map { $0 % 6 })
                #expect(first.count == rows.count * cols.count && rows.count < 6 && cols.count < 6)
            }
        }
        // 400 draws at p = 0.4: mean 160, sd 9.8.
        #expect(abs(count - 160) < 40, "\(count) of 400 views erased")
    }

    @Test func theSettingsAreCheckedWhereTheyAreWritten() throws {
        let dir = try temporaryDirectory()
        func diagnostics(_ augment: String) throws -> [String] {
            let path = dir + "/erasing.yaml"
            try """
            model: {input: [1, 4, 4], classes: 3, layers: [{dense: {name: fc, out: 3}}, loss]}
            train: {epochs: 1, batch: 2, optimizer: {type: sgd, lr: 0.1}, data: {format: synthetic}, augment: \(augment)}
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return ConfigLoader.load(file: path).diagnostics.all.map(\.description)
        }
        for (augment, phrase) in [("[random_erasing: {scale: [0.4, 0.1]}]", "needs low ≤ high"),
                                  ("[random_erasing: {scale: [0, 0.1]}]", "an area range"),
                                  ("[random_erasing: {scale: [0.1, 1.5]}]", "at most 1"),
                                  ("[random_erasing: {ratio: 2}]", "written [low, high]"),
                                  ("[random_erasing: {p: 2}]", "a probability")] {
            let found = try diagnostics(augment)
            #expect(found.count == 1 && found.allSatisfy { $0.contains(phrase) && $0.contains("erasing.yaml:2:") }, "\(augment): \(found)")
        }
        #expect(try diagnostics("[random_erasing]").isEmpty)
        let c = try config(dir, input: [1, 4, 4], classes: 3, data: "{format: synthetic}", augment: "[random_erasing]")
        #expect(c.train?.augment == [.randomErasing(RandomErasing(p: 0.5, scale: 0.02 ... 0.33, ratio: 0.3 ... 3.3, value: 0))])
    }
}
