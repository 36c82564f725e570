import Testing
@testable import NetrunConfig

@Suite struct SuggestionTests {
    @Test func aNearMissFindsTheIntendedWord() {
        #expect(Suggestion.nearest(to: "strid", in: ["stride", "pad", "kernel"]) == "stride")
        #expect(Suggestion.nearest(to: "kernle", in: ["stride", "pad", "kernel"]) == "kernel")
        #expect(Suggestion.nearest(to: "maxpol", in: OpKind.allCases.map(\.keyword)) == "maxpool")
    }

    @Test func aDistantWordFindsNothing() {
        #expect(Suggestion.nearest(to: "banana", in: ["stride", "pad", "kernel"]) == nil)
        #expect(Suggestion.phrase(for: "zz", in: ["stride"]) == "")
    }

    @Test func thePhraseIsAHintToAppendToAMessage() {
        #expect(Suggestion.phrase(for: "strid", in: ["stride", "pad"]) == "; did you mean 'stride'?")
        #expect(Suggestion.phrase(suggesting: "stride") == "; did you mean 'stride'?")
        #expect(Suggestion.phrase(suggesting: nil) == "")
    }

    @Test func aLongNameAllowsUpToThreeEdits() {
        // Parameter names as the backend's weight loading checks them.
        let names = ["inception_3a/1x1.weight", "inception_3a/1x1.bias", "conv1.weight"]
        #expect(Suggestion.nearest(to: "inception_3a/1x1.wieght", in: names) == "inception_3a/1x1.weight")
        #expect(Suggestion.nearest(to: "inception_3a/1x1.wt", in: names) == nil)
    }

    @Test func editDistanceCountsATranspositionAsOne() {
        #expect(Suggestion.distance(Array("conv"), Array("cnov"), limit: 3) == 1)
        #expect(Suggestion.distance(Array("abc"), Array("abd"), limit: 3) == 1)
        #expect(Suggestion.distance(Array(""), Array("ab"), limit: 3) == 2)
    }
}
