// PLACEHOLDER until the compare branch lands (it replaces this file).
import Foundation
import NetrunFormats

public struct RunSummary: Sendable, Equatable {
    public var steps: Int?
    public var epochs: Int?
    public var finalTop1: Double?
    public var bestTop1: Double?
    public var bestStep: Int?
    public var finalLoss: Double?
    public var imagesPerSecond: Double?
    public var evaluations = 0
    public init() {}

    public static func read(runDirectory: String) throws(FileError) -> RunSummary {
        var s = RunSummary()
        guard let text = try? String(contentsOfFile: "\(runDirectory)/metrics.jsonl", encoding: .utf8) else { return s }
        for line in text.split(separator: "\n") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            s.steps = o["step"] as? Int ?? s.steps
            s.epochs = o["epoch"] as? Int ?? s.epochs
            if let t = o["val_top1"] as? Double {
                s.finalTop1 = t
                s.evaluations += 1
                if t > (s.bestTop1 ?? -1) { s.bestTop1 = t; s.bestStep = o["step"] as? Int }
                s.finalLoss = o["val_loss"] as? Double
            }
            if let v = o["img_s"] as? Double { s.imagesPerSecond = v }
        }
        return s
    }
}
