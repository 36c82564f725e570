// Inference over any number of examples, in chunks of a planned batch size.
import NetrunConfig
import NetrunGraph

/// Runs the inference graph on `count` examples given as one NCHW block, `batch` at a
/// time (a second plan for the remainder), and gathers one node's outputs.
public struct Predictor {
    public let graph: Graph
    /// The node returned, in the inference graph's numbering.
    public let node: Node.ID
    public let batch: Int

    /// `node`: a node name of the inference graph, or nil for `graph.output` (the logits).
    public init(graph whole: Graph, node name: String?, batch: Int) throws(PredictError) {
        let inference = whole.inference()
        graph = whole
        self.batch = max(1, batch)
        guard let name else { node = inference.output; return }
        if let n = inference.node(named: name) {
            if case .loss = n.op { throw .notAnOutput("'\(name)' is a loss: it has no output to return") }
            node = n.id
            return
        }
        if let n = whole.node(named: name) {
            if case .dropout = n.op, let src = n.inputs.first {
                throw .notAnOutput("'\(name)' is dropout, the identity at inference: ask for its input '\(whole[src].name)'")
            }
            throw .notAnOutput("'\(name)' is in a training-only head, which inference does not run")
        }
        throw .notAnOutput("no node named '\(name)'\(Suggestion.phrase(for: name, in: inference.nodes.map(\.name)))")
    }

    /// Shape of one example's result.
    public var outputShape: [Int] { graph.inference()[node].shape.dims }

    /// The chosen node's output for every example: `count * outputShape` floats.
    public func run(_ parameters: inout ParameterStore, input: [Float], count: Int) -> [Float] {
        let per = graph.inputShape.count
        precondition(input.count == count * per, "Predictor.run: input size")
        var result: [Float] = []
        result.reserveCapacity(count * outputShape.reduce(1, *))
        var planned: Executor?
        var start = 0
        while start < count {
            let size = min(batch, count - start)
            if planned?.batch != size {
                planned = Executor(graph: graph, batch: size, mode: .inference, parameters: parameters,
                                   options: PlanOptions(keep: [node]))
            }
            guard let executor = planned else { break }
            input.withUnsafeBufferPointer { all in
                executor.setInput(UnsafeBufferPointer(rebasing: all[start * per ..< (start + size) * per]))
            }
            executor.forward(&parameters)
            result += executor.output(of: node)
            start += size
        }
        return result
    }
}

public enum PredictError: Error, Equatable, Sendable {
    case notAnOutput(String)

    public var message: String {
        switch self { case .notAnOutput(let m): return m }
    }
}
