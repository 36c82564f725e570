import Foundation

/// "Did you mean ...?" for misspelled keys, ops, block names, references and parameter
/// names: the candidate nearest by edit distance, when it is near enough to be a likely typo.
/// The project's one edit distance and threshold: hints use these rather than their own.
///
///     Suggestion.nearest(to: "strid", in: ["stride", "pad"])   // "stride"
///     "unknown key 'strid'" + Suggestion.phrase(for: "strid", in: ["stride", "pad"])
///     // "unknown key 'strid'; did you mean 'stride'?"
public enum Suggestion {
    /// The closest candidate (ignoring case; the first of equals) within a distance that
    /// grows with the word's length: a third of it, at least 1 and at most 3. nil when none
    /// is that close.
    public static func nearest(to word: String, in candidates: some Sequence<String>) -> String? {
        let w = Array(word.lowercased())
        let limit = max(1, min(3, w.count / 3))
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, Array(c.lowercased()), limit: limit)
            if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// `; did you mean 'x'?` for the nearest candidate, or the empty string: a hint to
    /// append to an error message.
    public static func phrase(for word: String, in candidates: some Sequence<String>) -> String {
        phrase(suggesting: nearest(to: word, in: candidates))
    }

    /// The hint for a suggestion already found by `nearest`, or the empty string for nil.
    public static func phrase(suggesting candidate: String?) -> String {
        candidate.map { phraseStart + $0 + phraseEnd } ?? ""
    }

    /// The candidate a message ending in `phrase`'s hint suggests, or nil: what an editor's
    /// quick fix puts in place of the misspelled word.
    public static func suggested(in message: String) -> String? {
        guard message.hasSuffix(phraseEnd), let start = message.range(of: phraseStart, options: .backwards) else { return nil }
        let candidate = message[start.upperBound..<message.index(message.endIndex, offsetBy: -phraseEnd.count)]
        return candidate.isEmpty ? nil : String(candidate)
    }

    private static let phraseStart = "; did you mean '"
    private static let phraseEnd = "'?"

    /// Optimal-string-alignment distance (Levenshtein plus adjacent transposition), stopping
    /// early once every cell of a row exceeds `limit`.
    static func distance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            var rowMin = cur[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, prev2[j - 2] + 1) }
                cur[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return limit + 1 }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
