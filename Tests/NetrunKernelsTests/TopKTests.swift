import Testing
import NetrunKernels

@Suite struct TopKTests {
    @Test func countsRowsWhoseLabelIsAmongTheKLargest() {
        let logits: [Float] = [0.1, 0.5, 0.2, 0.9,   // order: 3, 1, 2, 0
                               3, 2, 1, 0,
                               0, 0, 0, 1]
        let labels: [Int32] = [1, 3, 3]
        #expect(TopK.correctCount(logits: logits, labels: labels, rows: 3, classes: 4, k: 1) == 1)
        #expect(TopK.correctCount(logits: logits, labels: labels, rows: 3, classes: 4, k: 2) == 2)
        #expect(TopK.correctCount(logits: logits, labels: labels, rows: 3, classes: 4, k: 4) == 3)
    }

    @Test func tiesWithTheLabelCountInItsFavourAndNaNNeverCounts() {
        let logits: [Float] = [1, 1, 1, 1, .nan, 0]  // row 0 all tied; row 1 has a NaN
        #expect(TopK.correctCount(logits: logits, labels: [2, 1], rows: 2, classes: 3, k: 1) == 1)
        #expect(TopK.correctCount(logits: logits, labels: [0, 2], rows: 2, classes: 3, k: 1) == 1)
    }
}
