import Foundation
@testable import NetrunRunner
import Testing

/// The run state's JSON (state.safetensors' metadata): the plateau schedule's memory is a
/// typed field, saved as the JSON text in a string it always was.
@Suite struct RunStateTests {
    /// A state as netrun wrote it before the plateau was typed (the plateau as a string).
    static func savedJSON(plateau: String?) -> String {
        let p = plateau.map { ", \"plateau\": \"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" } ?? ""
        return """
        {"version": 1, "step": 12, "stepsPerEpoch": 4, "seed": 7, "config": {"train.batch": "8"}, "configHash": "ab",
         "optimizerSteps": 12, "averagedSteps": 0, "kept": [8, 12], "ranks": 1\(p)}
        """
    }

    @Test func anOldStateWithAPlateauResumesItTyped() throws {
        let text = Self.savedJSON(plateau: #"{"best":0.5,"badEvaluations":1,"rate":0.05,"evaluations":3}"#)
        let state = try JSONDecoder().decode(RunState.self, from: Data(text.utf8))
        #expect(state.plateau == PlateauState(best: 0.5, badEvaluations: 1, rate: 0.05, evaluations: 3))
        #expect(state.step == 12 && state.kept == [8, 12] && state.processes == 1)
    }

    @Test func anOldStateWithoutAPlateauHasNone() throws {
        let state = try JSONDecoder().decode(RunState.self, from: Data(Self.savedJSON(plateau: nil).utf8))
        #expect(state.plateau == nil)
    }

    @Test func aMalformedPlateauIsAnErrorNotNil() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RunState.self, from: Data(Self.savedJSON(plateau: #"{"rate": "fast"}"#).utf8))
        }
    }

    @Test func thePlateauIsSavedAsItsJSONText() throws {
        let plateau = PlateauState(best: 0.25, badEvaluations: 2, rate: 0.1, evaluations: 5)
        let state = RunState(step: 3, stepsPerEpoch: 3, seed: 1, config: [:], configHash: "0", optimizerSteps: 3, averagedSteps: 0,
                             plateau: plateau, best: nil, bestStep: nil, kept: [3], ranks: 1)
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(state)) as? [String: Any])
        let text = try #require(object["plateau"] as? String)
        #expect(try JSONDecoder().decode(PlateauState.self, from: Data(text.utf8)) == plateau)
        #expect(try JSONDecoder().decode(RunState.self, from: JSONEncoder().encode(state)) == state)
    }
}
