import NetrunConfig

extension Graph {
    /// Graphviz DOT of the DAG: one box per node (name, op, settings), block instances as
    /// nested clusters, output shapes on the edges, training-only nodes dashed.
    public func dot(name: String) -> String {
        func quote(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var out = "digraph \(quote(name)) {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n"
        func line(_ n: Node) -> String {
            let detail = n.op.detail
            // Inside a cluster the instance name is already the cluster's label.
            var shown = n.name
            if let inst = n.instances.last, shown.hasPrefix(inst.name + "/") { shown = String(shown.dropFirst(inst.name.count + 1)) }
            var attrs = "label=\(quote("\(shown)\n\(n.op.keyword)\(detail.isEmpty ? "" : " " + detail)").replacingOccurrences(of: "\n", with: "\\n"))"
            if n.trainOnly { attrs += ", style=\"rounded,dashed\"" }
            if case .loss = n.op { attrs += ", shape=ellipse" }
            if n.id == output { attrs += ", penwidth=2" }
            return "n\(n.id) [\(attrs)];\n"
        }
        // Block instances become nested clusters, whatever order their nodes come in.
        var clusterCount = 0
        func emit(_ prefix: [BlockInstance], indent: String) {
            var children: [BlockInstance] = []
            for n in nodes where n.instances.starts(with: prefix) {
                if n.instances.count == prefix.count {
                    out += indent + line(n)
                } else if !children.contains(n.instances[prefix.count]) {
                    children.append(n.instances[prefix.count])
                }
            }
            for child in children {
                clusterCount += 1
                out += indent + "subgraph cluster_\(clusterCount) {\n"
                out += indent + "  label=\(quote("\(child.name) (\(child.block))")); style=rounded; color=gray60;\n"
                emit(prefix + [child], indent: indent + "  ")
                out += indent + "}\n"
            }
        }
        emit([], indent: "  ")
        for n in nodes {
            for i in n.inputs {
                out += "  n\(i) -> n\(n.id) [label=\(quote(nodes[i].shape.description))];\n"
            }
        }
        return out + "}\n"
    }
}
