using Google.Protobuf;
using Onnx;

namespace Segmentation.ML.Onnx;

/// <summary>
/// Builds an ONNX model (the protobuf types of OnnxSharp) node by node: named float/int64 initializers,
/// inputs and outputs with symbolic dimensions, and operators with attributes. Every name a method returns
/// is unique in the graph, so builders for parts of a network (normalisation, a backbone, a head) compose
/// into one graph without clashing.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The default-domain opset the graphs are written for (ONNX Runtime 1.31 runs it with every optimisation).</summary>
    public const long Opset = 17;

    private readonly GraphProto graph = new();
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> metadata = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> scalars = [];
    private readonly Dictionary<(TensorProto.Types.DataType, string, int), List<TensorProto>> initializers = [];
    private int counter;

    public OnnxGraphBuilder(string graphName) => graph.Name = graphName;

    /// <summary>A float32 graph input with the given dimensions: a number, or a name for a symbolic dimension.</summary>
    public string AddInput(string name, params object[] dimensions) => AddValue(graph.Input, name, TensorProto.Types.DataType.Float, dimensions);

    /// <summary>Declares <paramref name="value"/> a graph output named <paramref name="name"/> (an Identity node when the names differ).</summary>
    public string AddOutput(string value, string name, TensorProto.Types.DataType type, params object[] dimensions)
    {
        if (value != name) Node("Identity", [value], [Claim(name)]);
        else if (!names.Contains(name)) throw new ArgumentException($"No value '{name}' to output.", nameof(value));
        AddValueInfo(graph.Output, name, type, dimensions);
        return name;
    }

    /// <summary>A float32 initializer of the given shape.</summary>
    public string Constant(string name, ReadOnlySpan<float> values, params long[] shape)
    {
        CheckShape(values.Length, shape, name);
        return Initializer(name, TensorProto.Types.DataType.Float, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), shape);
    }

    /// <summary>An int64 initializer of the given shape (a 1-D vector when no shape is given).</summary>
    public string Int64Constant(string name, ReadOnlySpan<long> values, params long[] shape)
    {
        if (shape.Length == 0) shape = [values.Length];
        CheckShape(values.Length, shape, name);
        return Initializer(name, TensorProto.Types.DataType.Int64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), shape);
    }

    /// <summary>Adds one node; returns its single output's name.</summary>
    public string Op(string opType, string[] inputs, params (string Name, object Value)[] attributes) =>
        Node(opType, inputs, [Unique(opType)], attributes)[0];

    /// <summary>Adds one node with <paramref name="outputCount"/> outputs; returns their names.</summary>
    public string[] Op(string opType, string[] inputs, int outputCount, params (string Name, object Value)[] attributes) =>
        Node(opType, inputs, Enumerable.Range(0, outputCount).Select(_ => Unique(opType)).ToArray(), attributes);

    /// <summary>
    /// A 2-D convolution over [N, C, H, W] with square kernels, PyTorch's conventions: weights
    /// [out, in / groups, kernel, kernel], the same zero padding on every side, floor rounding of the output size.
    /// </summary>
    /// <param name="bias">An initializer [out], or null for none.</param>
    public string Conv(string input, string weights, string? bias, int kernel, int stride = 1, int padding = 0, int groups = 1) =>
        Op("Conv", bias is null ? [input, weights] : [input, weights, bias],
            ("kernel_shape", new[] { kernel, kernel }), ("strides", new[] { stride, stride }),
            ("pads", new[] { padding, padding, padding, padding }), ("group", groups));

    /// <summary>Clip(input, min, max), its two bounds as scalar initializers shared by every Clip with the same bounds.</summary>
    public string Clip(string input, float min, float max) => Op("Clip", [input, Scalar(min), Scalar(max)]);

    /// <summary>A float32 scalar initializer, made once per value.</summary>
    public string Scalar(float value)
    {
        if (!scalars.TryGetValue(value, out var name)) scalars[value] = name = Constant("scalar", [value]);
        return name;
    }

    /// <summary>A key–value pair stored in the model's metadata_props.</summary>
    public void SetMetadata(string key, string value) => metadata[key] = value;

    /// <summary>The model, serialised.</summary>
    public byte[] ToBytes(string producer = "Segmentation.ML")
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = producer, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model.ToByteArray();
    }

    /// <summary>
    /// An initializer, or the existing one with the same type, shape and bytes: a graph that runs the same
    /// weights twice (an image and its mirror through one backbone, say) stores them once.
    /// </summary>
    private string Initializer(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, long[] shape)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        var key = (type, string.Join(",", shape), hash.ToHashCode());
        if (initializers.TryGetValue(key, out var candidates))
            foreach (var existing in candidates)
                if (existing.RawData.Span.SequenceEqual(bytes)) return existing.Name;
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(shape);
        graph.Initializer.Add(tensor);
        (initializers.TryGetValue(key, out candidates) ? candidates : initializers[key] = []).Add(tensor);
        return tensor.Name;
    }

    private string[] Node(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        graph.Node.Add(node);
        return outputs;
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var attribute = new AttributeProto { Name = name };
        switch (value)
        {
            case int i: attribute.Type = AttributeProto.Types.AttributeType.Int; attribute.I = i; break;
            case long l: attribute.Type = AttributeProto.Types.AttributeType.Int; attribute.I = l; break;
            case float f: attribute.Type = AttributeProto.Types.AttributeType.Float; attribute.F = f; break;
            case string s: attribute.Type = AttributeProto.Types.AttributeType.String; attribute.S = ByteString.CopyFromUtf8(s); break;
            case long[] ints: attribute.Type = AttributeProto.Types.AttributeType.Ints; attribute.Ints.AddRange(ints); break;
            case int[] ints: attribute.Type = AttributeProto.Types.AttributeType.Ints; attribute.Ints.AddRange(ints.Select(v => (long)v)); break;
            case float[] floats: attribute.Type = AttributeProto.Types.AttributeType.Floats; attribute.Floats.AddRange(floats); break;
            default: throw new ArgumentException($"Attribute '{name}' has an unsupported value type {value?.GetType().Name ?? "null"}.", nameof(value));
        }
        return attribute;
    }

    private string AddValue(Google.Protobuf.Collections.RepeatedField<ValueInfoProto> list, string name, TensorProto.Types.DataType type, object[] dimensions)
    {
        Claim(name);
        AddValueInfo(list, name, type, dimensions);
        return name;
    }

    private static void AddValueInfo(Google.Protobuf.Collections.RepeatedField<ValueInfoProto> list, string name, TensorProto.Types.DataType type, object[] dimensions)
    {
        var shape = new TensorShapeProto();
        foreach (var dimension in dimensions)
            shape.Dim.Add(dimension switch
            {
                int n => new TensorShapeProto.Types.Dimension { DimValue = n },
                long n => new TensorShapeProto.Types.Dimension { DimValue = n },
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                _ => throw new ArgumentException($"Dimension of '{name}' must be a number or a name."),
            });
        list.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } });
    }

    private string Claim(string name)
    {
        if (!names.Add(name)) throw new ArgumentException($"The graph already has a value named '{name}'.", nameof(name));
        return name;
    }

    private string Unique(string stem)
    {
        string name = stem;
        while (!names.Add(name)) name = $"{stem}_{++counter}";
        return name;
    }

    private static void CheckShape(int length, long[] shape, string name)
    {
        long product = 1;
        foreach (long d in shape) product *= d;
        if (product != length) throw new ArgumentException($"Constant '{name}' has {length} values but shape [{string.Join(", ", shape)}].", nameof(shape));
    }
}
