using System.Runtime.InteropServices;
using Onnx;
using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>
/// Navigation and checks over a foreign ONNX graph for <see cref="CntkResNetReader"/>: who consumes a value, what a
/// node's attributes and initializers are, and errors (<see cref="ModelFormatException"/>) that name the file and node.
/// </summary>
internal sealed class GraphWalk
{
    private readonly GraphProto graph;
    private readonly string path;
    private readonly Dictionary<string, TensorProto> initializers;
    private readonly Dictionary<string, List<NodeProto>> consumers = new(StringComparer.Ordinal);

    public GraphWalk(GraphProto graph, string path)
    {
        this.graph = graph ?? throw new ModelFormatException($"{path} holds no graph.", path);
        this.path = path;
        initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer) initializers.TryAdd(tensor.Name, tensor);
        foreach (var node in graph.Node)
            foreach (var input in node.Input.Where(i => i.Length > 0))
                (consumers.TryGetValue(input, out var list) ? list : consumers[input] = []).Add(node);
    }

    /// <summary>An error naming the file: "{path} is not a graph this library reads: {problem}."</summary>
    public ModelFormatException Error(string problem) => new($"{path} is not a graph this library reads as a ResNet or its preprocessing: {problem}.", path);

    /// <summary>The one graph input that is not an initializer: float [1, 3, H, W] with fixed sizes.</summary>
    public (string Name, int[] Shape) ImageInput()
    {
        var inputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1) throw Error($"one image input was expected; found {inputs.Count} ({string.Join(", ", inputs.Select(i => i.Name))})");
        var type = inputs[0].Type?.TensorType;
        var dims = type?.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1).ToArray() ?? [];
        if (type?.ElemType != (int)TensorProto.Types.DataType.Float || dims.Length != 4 || dims[0] != 1 || dims[1] != 3 || dims[2] < 1 || dims[3] < 1 || dims[2] > 65536 || dims[3] > 65536)
            throw Error($"the input '{inputs[0].Name}' should be float [1, 3, H, W] with fixed H and W; it is [{string.Join(", ", dims.Select(d => d < 0 ? "?" : d.ToString()))}]");
        return (inputs[0].Name, dims.Select(d => (int)d).ToArray());
    }

    /// <summary>The nodes that read <paramref name="value"/>.</summary>
    public IReadOnlyList<NodeProto> Consumers(string value) => consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>The one node reading <paramref name="value"/>, which must be a <paramref name="opType"/>.</summary>
    public NodeProto Only(string value, string opType, string where)
    {
        var next = Consumers(value);
        if (next.Count != 1 || next[0].OpType != opType)
            throw Error($"in {where}, '{value}' should feed one {opType}; it feeds {(next.Count == 0 ? "nothing" : string.Join(", ", next.Select(n => $"{n.OpType} '{n.Name}'")))}");
        return next[0];
    }

    public bool IsInitializer(string name) => initializers.ContainsKey(name);

    /// <summary>A float initializer's values (raw or typed data, never external) and shape.</summary>
    public (float[] Values, long[] Shape) Floats(string name)
    {
        if (!initializers.TryGetValue(name, out var tensor)) throw Error($"'{name}' should be a constant (an initializer)");
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float) throw Error($"the initializer '{name}' has data type {tensor.DataType}; float (1) was expected");
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External) throw Error($"the initializer '{name}' is stored outside the file");
        long count = tensor.Dims.Aggregate(1L, (a, d) => d < 0 ? -1 : a * d);
        float[] values = tensor.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray()
            : tensor.FloatData.ToArray();
        if (count < 0 || values.Length != count || (tensor.RawData.Length > 0 && tensor.RawData.Length % 4 != 0))
            throw Error($"the initializer '{name}' has {values.Length} values for shape [{string.Join(", ", tensor.Dims)}]");
        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(values)) throw Error($"the initializer '{name}' has values that are not finite");
        return (values, tensor.Dims.ToArray());
    }

    public static long Int(NodeProto node, string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.I : fallback;

    public static long[]? Ints(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    /// <summary>A node's stride when it is the same along both axes, else −1.</summary>
    public static int Stride(NodeProto node) => Ints(node, "strides") is { } s ? (s.Length == 2 && s[0] == s[1] ? (int)s[0] : -1) : 1;

    /// <summary>The BatchNormalization that alone reads a convolution's output.</summary>
    public NodeProto NormOf(NodeProto convolution) => Only(convolution.Output[0], "BatchNormalization", $"'{convolution.Name}'");

    /// <summary>From a block's first convolution along Conv → BatchNormalization (→ Relu → Conv → BatchNormalization)… to the Add it ends in.</summary>
    public (List<NodeProto> Convolutions, NodeProto Add) ChainToAdd(NodeProto convolution)
    {
        var chain = new List<NodeProto>();
        while (true)
        {
            chain.Add(convolution);
            string normalised = NormOf(convolution).Output[0];
            var next = Consumers(normalised);
            if (next.Count == 1 && next[0].OpType == "Add") return (chain, next[0]);
            if (chain.Count == 3) throw Error($"no Add follows the convolutions from '{chain[0].Name}' within 3 of them");
            convolution = Only(Only(normalised, "Relu", $"the block of '{chain[0].Name}'").Output[0], "Conv", $"the block of '{chain[0].Name}'");
        }
    }

    /// <summary>
    /// Checks a bias-free convolution and the BatchNormalization after it against the expected kernel, stride and
    /// input channels, stores both under torchvision's keys and moves <paramref name="size"/> on; returns the
    /// normalised value. The padding must start at kernel / 2 before each axis, as torchvision's symmetric padding
    /// does, and end no further after it; the output size at the graph's input size must equal torchvision's.
    /// </summary>
    public string ConvolutionAndNorm(NodeProto convolution, string convolutionKey, string normKey, int inChannels, int kernel, int stride,
        ref (int Height, int Width) size, Dictionary<string, ParameterTensor> parameters, out int outChannels)
    {
        string where = $"'{convolution.Name}' ({convolutionKey})";
        if (convolution.OpType != "Conv" || convolution.Input.Count is < 2 or > 3) throw Error($"{where} should be a Conv of an input and weights");
        var (weights, shape) = Floats(convolution.Input[1]);
        if (shape.Length != 4 || shape[1] != inChannels || shape[2] != kernel || shape[3] != kernel)
            throw Error($"{where} has weights [{string.Join(", ", shape)}]; [·, {inChannels}, {kernel}, {kernel}] was expected");
        outChannels = (int)shape[0];
        if (Ints(convolution, "kernel_shape") is { } k && !k.SequenceEqual([kernel, kernel])) throw Error($"{where} has kernel_shape [{string.Join(", ", k)}]; [{kernel}, {kernel}] was expected");
        if (Stride(convolution) != stride) throw Error($"{where} has strides [{string.Join(", ", Ints(convolution, "strides") ?? [1, 1])}]; {stride} was expected");
        if (Int(convolution, "group", 1) != 1) throw Error($"{where} has group {Int(convolution, "group", 1)}; 1 was expected");
        if (Ints(convolution, "dilations") is { } d && d.Any(v => v != 1)) throw Error($"{where} is dilated");
        CheckPadding(convolution, kernel, stride, ref size, where);

        var norm = NormOf(convolution);
        string normWhere = $"'{norm.Name}' ({normKey})";
        float epsilon = norm.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
        if (epsilon != BatchNormFolding.Epsilon) throw Error($"{normWhere} has epsilon {epsilon:G9}; {BatchNormFolding.Epsilon:G9} was expected");
        if (Int(norm, "spatial", 1) != 1) throw Error($"{normWhere} is not spatial (one statistic per channel)");
        if (norm.Input.Count != 5) throw Error($"{normWhere} should have 5 inputs (x, scale, bias, mean, variance)");
        var statistics = new float[4][];
        for (int i = 0; i < 4; i++)
        {
            var (values, statisticShape) = Floats(norm.Input[i + 1]);
            if (!statisticShape.SequenceEqual([outChannels])) throw Error($"{normWhere} input '{norm.Input[i + 1]}' has shape [{string.Join(", ", statisticShape)}]; [{outChannels}] was expected");
            statistics[i] = values;
        }
        if (statistics[3].Any(v => v < 0)) throw Error($"{normWhere} has a negative variance");
        if (convolution.Input.Count == 3)
        {
            // A convolution bias b shifts what the BatchNorm sees: BN(x + b) has mean μ − b in terms of x.
            var (bias, biasShape) = Floats(convolution.Input[2]);
            if (!biasShape.SequenceEqual([outChannels])) throw Error($"{where} has a bias of shape [{string.Join(", ", biasShape)}]; [{outChannels}] was expected");
            statistics[2] = statistics[2].Select((m, o) => m - bias[o]).ToArray();
        }
        parameters[$"{convolutionKey}.weight"] = new ParameterTensor(shape.Select(v => (int)v).ToArray(), weights);
        parameters[$"{normKey}.weight"] = new ParameterTensor([outChannels], statistics[0]);
        parameters[$"{normKey}.bias"] = new ParameterTensor([outChannels], statistics[1]);
        parameters[$"{normKey}.running_mean"] = new ParameterTensor([outChannels], statistics[2]);
        parameters[$"{normKey}.running_var"] = new ParameterTensor([outChannels], statistics[3]);
        return norm.Output[0];
    }

    /// <summary>Checks a max-pool's window, stride and padding (as a convolution's) and moves <paramref name="size"/> on.</summary>
    public void CheckWindow(NodeProto pool, int kernel, int stride, ref (int Height, int Width) size, string where)
    {
        where = $"'{pool.Name}' ({where})";
        if (!(Ints(pool, "kernel_shape") ?? []).SequenceEqual([kernel, kernel]) || Stride(pool) != stride || Int(pool, "ceil_mode", 0) != 0 || pool.Output.Count != 1)
            throw Error($"{where} should be a {kernel}×{kernel} max-pool of stride {stride} without ceil mode");
        CheckPadding(pool, kernel, stride, ref size, where);
    }

    /// <summary>Checks that the last node averages each channel over the whole map and is the graph's output.</summary>
    public void CheckGlobalPool(NodeProto pool, (int Height, int Width) size)
    {
        bool global = pool.OpType == "GlobalAveragePool" || ((Ints(pool, "kernel_shape") ?? []).SequenceEqual([size.Height, size.Width]) && (Ints(pool, "pads") ?? [0, 0, 0, 0]).All(p => p == 0));
        if (!global) throw Error($"'{pool.Name}' should average the whole {size.Height}×{size.Width} map");
        if (!graph.Output.Any(o => o.Name == pool.Output[0])) throw Error($"'{pool.Name}' should be the graph's output");
    }

    private void CheckPadding(NodeProto node, int kernel, int stride, ref (int Height, int Width) size, string where)
    {
        if (node.Attribute.FirstOrDefault(a => a.Name == "auto_pad") is { } autoPad && autoPad.S.ToStringUtf8() is not ("NOTSET" or ""))
            throw Error($"{where} pads with auto_pad {autoPad.S.ToStringUtf8()}; explicit pads were expected");
        long[] pads = Ints(node, "pads") ?? [0, 0, 0, 0];
        int half = kernel / 2;
        if (pads.Length != 4 || pads[0] != half || pads[1] != half || pads[2] is < 0 || pads[2] > half || pads[3] < 0 || pads[3] > half)
            throw Error($"{where} has pads [{string.Join(", ", pads)}]; {half} before each axis and at most {half} after were expected");
        int theirs0 = (int)((size.Height + pads[0] + pads[2] - kernel) / stride + 1), theirs1 = (int)((size.Width + pads[1] + pads[3] - kernel) / stride + 1);
        int ours0 = (size.Height + 2 * half - kernel) / stride + 1, ours1 = (size.Width + 2 * half - kernel) / stride + 1;
        if (theirs0 != ours0 || theirs1 != ours1)
            throw Error($"{where} gives {theirs0}×{theirs1} from {size.Height}×{size.Width}; symmetric padding would give {ours0}×{ours1}");
        size = (ours0, ours1);
    }
}
