// Caffe's net (and solver) prototxt to a netrun config. Reads both Caffe's current format
// (`layer { type: "Convolution" param { lr_mult } }`) and the V1 one (`layers { type:
// CONVOLUTION blobs_lr }`). Caffe's semantics kept: pooling rounds up (`round: ceil`), LRN
// divides alpha by the size (`alpha_form: caffe`), xavier is fan-in, in-place ReLUs fold
// into `act:`, BatchNorm + Scale is one `batchnorm`, Accuracy layers become the loss's
// `top_k`, data layers give the input shape.
import NetrunConfig

public enum CaffeImporter {
    /// Translates a net prototxt, and a solver prototxt when given, into a netrun config.
    public static func importNet(text: String, file: String, solver: (text: String, file: String)? = nil) -> ImportResult {
        let net: PrototxtMessage
        do { net = try Prototxt.parse(text, file: file) } catch { return ImportResult(config: nil, diagnostics: error.diagnostics) }
        var solverMessage: PrototxtMessage?
        if let solver {
            do { solverMessage = try Prototxt.parse(solver.text, file: solver.file) } catch {
                return ImportResult(config: nil, diagnostics: error.diagnostics)
            }
        }
        var t = CaffeNet(file: file)
        t.translate(net)
        guard var imported = t.config(net) else { return ImportResult(config: nil, diagnostics: t.r.diagnostics) }
        if let solverMessage {
            var s = CaffeSolver(reader: t.r, net: t)
            s.translate(solverMessage, into: &imported)
            t.r = s.reader
        }
        return ImportCheck.finish(imported, diagnostics: t.r.diagnostics, what: "a netrun network")
    }
}

/// Caffe's layer types as written in current files; V1 files' enum names map onto them.
enum CaffeLayerType: String {
    case data = "Data", imageData = "ImageData", input = "Input", dummyData = "DummyData", hdf5Data = "HDF5Data"
    case memoryData = "MemoryData", windowData = "WindowData"
    case convolution = "Convolution", innerProduct = "InnerProduct", relu = "ReLU", sigmoid = "Sigmoid", tanh = "TanH"
    case lrn = "LRN", pooling = "Pooling", dropout = "Dropout", concat = "Concat", eltwise = "Eltwise"
    case softmax = "Softmax", softmaxWithLoss = "SoftmaxWithLoss", accuracy = "Accuracy"
    case batchNorm = "BatchNorm", scale = "Scale", split = "Split", flatten = "Flatten", silence = "Silence"

    static let v1: [String: CaffeLayerType] = [
        "DATA": .data, "IMAGE_DATA": .imageData, "DUMMY_DATA": .dummyData, "HDF5_DATA": .hdf5Data, "MEMORY_DATA": .memoryData,
        "WINDOW_DATA": .windowData, "CONVOLUTION": .convolution, "INNER_PRODUCT": .innerProduct, "RELU": .relu,
        "SIGMOID": .sigmoid, "TANH": .tanh, "LRN": .lrn, "POOLING": .pooling, "DROPOUT": .dropout, "CONCAT": .concat,
        "ELTWISE": .eltwise, "SOFTMAX": .softmax, "SOFTMAX_LOSS": .softmaxWithLoss, "ACCURACY": .accuracy, "SPLIT": .split,
        "FLATTEN": .flatten, "SILENCE": .silence,
    ]

    var isData: Bool {
        switch self {
        case .data, .imageData, .input, .dummyData, .hdf5Data, .memoryData, .windowData: return true
        default: return false
        }
    }

    /// The `*_param` message this type reads, if any.
    var paramField: String? {
        switch self {
        case .convolution: return "convolution_param"
        case .innerProduct: return "inner_product_param"
        case .relu: return "relu_param"
        case .lrn: return "lrn_param"
        case .pooling: return "pooling_param"
        case .dropout: return "dropout_param"
        case .concat: return "concat_param"
        case .eltwise: return "eltwise_param"
        case .softmax, .softmaxWithLoss: return "softmax_param"
        case .accuracy: return "accuracy_param"
        case .batchNorm: return "batch_norm_param"
        case .scale: return "scale_param"
        case .flatten: return "flatten_param"
        case .input: return "input_param"
        case .dummyData: return "dummy_data_param"
        case .data, .imageData, .hdf5Data, .memoryData, .windowData, .sigmoid, .tanh, .split, .silence: return nil
        }
    }
}

/// The phase a layer runs in: both, training only, or testing only.
enum CaffePhase { case both, train, test }

/// The training data a Caffe data layer describes, for the train and eval sections.
struct CaffeData {
    var batch: Int?
    var crop: Int?
    var mirror = false
    var mean: [Double] = []
    var meanFile: SourceLocation?
    var scale: Double?
    var source: String?
    var origin: SourceLocation
}
