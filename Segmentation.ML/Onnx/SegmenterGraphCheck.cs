using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Onnx;
using Segmentation.ML.Data;

namespace Segmentation.ML.Onnx;

/// <summary>
/// The checks a parsed segmenter graph passes before ONNX Runtime sees it: its metadata, field by field (each
/// failure a <see cref="ModelFormatException"/> naming the file and the field); its input and outputs (the class
/// scores' class dimension, where the graph states it, matching the class set); and its tensors, which must be
/// stored inside the graph and hold finite numbers only.
/// </summary>
internal static class SegmenterGraphCheck
{
    /// <summary>The longest trainer description read (written ones are under 100 characters).</summary>
    public const int MaximumTrainerLength = 1000;

    /// <summary>The largest input width or height recorded.</summary>
    public const int MaximumInputSize = 65_536;

    /// <summary>Checks <paramref name="model"/> and returns what its metadata records.</summary>
    /// <exception cref="ModelFormatException">A check failed; the message names the file and the field, output or tensor.</exception>
    public static SegmenterGraph.Description Check(string path, ModelProto model)
    {
        var description = ReadMetadata(path, model);
        var graph = model.Graph ?? throw new ModelFormatException($"'{path}': its ONNX model has no graph.", path);
        CheckSignature(path, graph, description.Classes.ClassCount);
        CheckTensors(path, graph);
        return description;
    }

    private static SegmenterGraph.Description ReadMetadata(string path, ModelProto model)
    {
        string[] keys = [SegmenterGraph.FormatKey, SegmenterGraph.ClassesKey, SegmenterGraph.WidthKey, SegmenterGraph.HeightKey, SegmenterGraph.TrainerKey];
        var metadata = new Dictionary<string, string>();
        foreach (var property in model.MetadataProps.Where(p => keys.Contains(p.Key)))
            if (!metadata.TryAdd(property.Key, property.Value))
                throw Error(path, property.Key, $"metadata '{property.Key}' appears more than once; the file was altered.");

        string Field(string key) => metadata.TryGetValue(key, out var value) && value.Length > 0 ? value
            : throw Error(path, key, metadata.Count == 0
                ? $"it holds an ONNX graph without the '{key}' metadata this library writes; it was not trained by Segmentation.ML."
                : $"metadata '{key}' is {(value is null ? "missing" : "empty")}; the file was altered or not written by Segmentation.ML.");

        string format = Field(SegmenterGraph.FormatKey);
        if (!int.TryParse(format, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int version))
            throw Error(path, SegmenterGraph.FormatKey, $"metadata '{SegmenterGraph.FormatKey}' is '{Shorten(format)}'; a format version number ({SegmenterGraph.FormatVersion}) was expected.");
        if (version != SegmenterGraph.FormatVersion)
            throw Error(path, SegmenterGraph.FormatKey, version > SegmenterGraph.FormatVersion
                ? $"metadata '{SegmenterGraph.FormatKey}' gives model format version {version}, newer than the version {SegmenterGraph.FormatVersion} this Segmentation.ML reads; update Segmentation.ML, or retrain the model."
                : $"metadata '{SegmenterGraph.FormatKey}' gives model format version {version}; no Segmentation.ML writes it (version {SegmenterGraph.FormatVersion} is read). Retrain the model.");

        SegmentationClassSet classes;
        try
        {
            classes = SegmentationClassSet.Parse(System.Text.Encoding.UTF8.GetBytes(Field(SegmenterGraph.ClassesKey)));
        }
        catch (FormatException error)
        {
            throw Error(path, SegmenterGraph.ClassesKey, $"the class set in metadata '{SegmenterGraph.ClassesKey}' is malformed: {error.Message}", error);
        }

        int Size(string key) => int.TryParse(Field(key), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= MaximumInputSize ? n
            : throw Error(path, key, $"metadata '{key}' is '{Shorten(metadata[key])}'; a size of 1 to {MaximumInputSize} pixels was expected.");
        int width = Size(SegmenterGraph.WidthKey), height = Size(SegmenterGraph.HeightKey);

        string trainer = Field(SegmenterGraph.TrainerKey);
        if (trainer.Length > MaximumTrainerLength || trainer.Any(char.IsControl))
            throw Error(path, SegmenterGraph.TrainerKey, $"metadata '{SegmenterGraph.TrainerKey}' is '{Shorten(trainer)}' ({trainer.Length} characters); " +
                $"a one-line description of at most {MaximumTrainerLength} characters was expected.");
        return new SegmenterGraph.Description(classes, width, height, trainer);
    }

    private static void CheckSignature(string path, GraphProto graph, int classes)
    {
        bool input = graph.Input.Any(i => i.Name == SegmenterGraph.InputName && i.Type?.TensorType?.ElemType == (int)TensorProto.Types.DataType.Float);
        ValueInfoProto? Output(string name, TensorProto.Types.DataType type) => graph.Output.FirstOrDefault(o => o.Name == name && o.Type?.TensorType?.ElemType == (int)type);
        var logits = Output(SegmenterGraph.LogitsOutputName, TensorProto.Types.DataType.Float);
        if (!input || Output(SegmenterGraph.OutputName, TensorProto.Types.DataType.Uint32) is null || logits is null)
            throw new ModelFormatException($"'{path}': its graph must read float '{SegmenterGraph.InputName}' and write uint32 '{SegmenterGraph.OutputName}' and " +
                $"float '{SegmenterGraph.LogitsOutputName}'; it reads {Shorten(string.Join(", ", graph.Input.Select(i => i.Name)))} and writes {Shorten(string.Join(", ", graph.Output.Select(o => o.Name)))}.", path);
        var dimensions = logits.Type.TensorType.Shape?.Dim;
        if (dimensions is { Count: > 1 } && dimensions[1].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dimensions[1].DimValue != classes)
            throw Error(path, SegmenterGraph.ClassesKey, $"metadata '{SegmenterGraph.ClassesKey}' names {classes} classes but the graph scores {dimensions[1].DimValue}; the file was altered.");
    }

    /// <summary>
    /// Every tensor of the graph (initializers, sparse initializers, constant attributes, subgraphs): stored inside
    /// the file, since ONNX Runtime would read external data from paths the file names; and, for floating-point
    /// tensors, finite, since one NaN or infinity silently turns predictions into a single class.
    /// </summary>
    private static void CheckTensors(string path, GraphProto graph)
    {
        foreach (var tensor in graph.Initializer) CheckTensor(path, tensor, tensor.Name);
        foreach (var sparse in graph.SparseInitializer)
            if (sparse.Values is { } values) CheckTensor(path, values, values.Name);
        foreach (var node in graph.Node)
            foreach (var attribute in node.Attribute)
            {
                string where = $"attribute '{attribute.Name}' of node '{node.Name}' ({node.OpType})";
                if (attribute.T is { } t) CheckTensor(path, t, where);
                foreach (var each in attribute.Tensors) CheckTensor(path, each, where);
                if (!float.IsFinite(attribute.F) || attribute.Floats.Any(f => !float.IsFinite(f)))
                    throw new ModelFormatException($"'{path}': {where} is not a finite number; the model is damaged and would predict nonsense.", path);
                if (attribute.G is { } subgraph) CheckTensors(path, subgraph);
                foreach (var each in attribute.Graphs) CheckTensors(path, each);
            }
    }

    private static void CheckTensor(string path, TensorProto tensor, string name)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw new ModelFormatException($"'{path}': tensor '{Shorten(name)}' refers to data outside the model file; a Segmentation.ML model holds all its data.", path);
        long index = tensor.DataType switch
        {
            (int)TensorProto.Types.DataType.Float => tensor.RawData.IsEmpty ? FirstNonFinite(tensor.FloatData) : FirstNonFinite(MemoryMarshal.Cast<byte, float>(tensor.RawData.Span)),
            (int)TensorProto.Types.DataType.Double => tensor.RawData.IsEmpty ? FirstNonFinite(tensor.DoubleData) : FirstNonFinite(MemoryMarshal.Cast<byte, double>(tensor.RawData.Span)),
            _ => -1,
        };
        if (index >= 0)
            throw new ModelFormatException($"'{path}': tensor '{Shorten(name)}' holds a NaN or infinite value (element {index}); the model is damaged or was trained " +
                "into divergence and would predict nonsense. Retrain it.", path);
    }

    private static long FirstNonFinite<T>(IEnumerable<T> values) where T : IFloatingPointIeee754<T> => FirstNonFinite<T>(values.ToArray());

    private static long FirstNonFinite<T>(ReadOnlySpan<T> values) where T : IFloatingPointIeee754<T>
    {
        if (TensorPrimitives.IsFiniteAll(values)) return -1;
        for (int i = 0; ; i++)
            if (!T.IsFinite(values[i])) return i;
    }

    private static ModelFormatException Error(string path, string field, string message, Exception? inner = null) =>
        new($"'{path}': {message}", path, inner: inner, field: field);

    /// <summary>A value as a one-line message shows it: at most 60 characters, control characters escaped.</summary>
    private static string Shorten(string text)
    {
        string shown = text.Length <= 60 ? text : text[..57] + "…";
        return shown.Any(char.IsControl) ? string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : shown;
    }
}
