using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Onnx;

/// <summary>
/// A model zip written by this library's trainers (an ML.NET model zip holding one segmenter ONNX graph), run
/// directly by ONNX Runtime at every image's own size. The saved ML.NET pipeline predicts at one input size;
/// this class is how .NET code predicts at any size with the same graph, and what <c>segml predict</c> and
/// <c>segml evaluate</c> use.
/// </summary>
/// <remarks>
/// The zip is checked before ONNX Runtime sees anything: it must hold exactly one ONNX graph entry, whose
/// length prefix agrees with the entry's size (bounded by <see cref="MaximumGraphBytes"/> before anything is
/// allocated), that parses as an ONNX model with this library's format version, class set, input size, input
/// and outputs.
/// </remarks>
public sealed class SegmentationModel : IDisposable
{
    /// <summary>The largest graph read (1 GiB): a VGG16 segmenter's graph is about 60 MB.</summary>
    public const long MaximumGraphBytes = 1L << 30;

    private readonly OnnxSession session;

    private SegmentationModel(string path, ModelProto model, byte[] graph)
    {
        Path = path;
        var metadata = model.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        string Field(string key) => metadata.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value) ? value
            : throw new ModelFormatException($"'{path}' holds an ONNX graph without the '{key}' metadata this library writes; it was not trained by Segmentation.ML.", path);
        int Size(string key) => int.TryParse(Field(key), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= 65_536 ? n
            : throw new ModelFormatException($"'{path}': metadata '{key}' is '{metadata[key]}'; a size of 1 to 65536 pixels was expected.", path);
        string format = Field(SegmenterGraph.FormatKey);
        if (format != SegmenterGraph.FormatVersion.ToString(CultureInfo.InvariantCulture))
            throw new ModelFormatException($"'{path}' has model format version '{format}'; this version of Segmentation.ML reads version {SegmenterGraph.FormatVersion}. " +
                "Retrain the model, or use the Segmentation.ML version that wrote it.", path);
        try
        {
            Classes = SegmentationClassSet.Parse(System.Text.Encoding.UTF8.GetBytes(Field(SegmenterGraph.ClassesKey)));
        }
        catch (FormatException error)
        {
            throw new ModelFormatException($"'{path}': the class set in the model's metadata is malformed: {error.Message}", path, inner: error);
        }
        InputWidth = Size(SegmenterGraph.WidthKey);
        InputHeight = Size(SegmenterGraph.HeightKey);
        Trainer = Field(SegmenterGraph.TrainerKey);
        CheckSignature(path, model);
        try
        {
            session = new OnnxSession(graph, $"the graph in '{path}'");
        }
        catch (OnnxModelException error)
        {
            throw new ModelFormatException(error.Message, path, inner: error);
        }
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>The classes predicted, with their names and palette.</summary>
    public SegmentationClassSet Classes { get; }

    /// <summary>The input width of the saved ML.NET pipeline (images are resized to it there).</summary>
    public int InputWidth { get; }

    /// <summary>The input height of the saved ML.NET pipeline.</summary>
    public int InputHeight { get; }

    /// <summary>What was trained, e.g. "hypercolumns on mobilenet_v2".</summary>
    public string Trainer { get; }

    /// <summary>Opens and checks a model zip.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFormatException">The file is not a readable model of this library (the message says why).</exception>
    public static SegmentationModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"The model file {path} does not exist.", path);
        var graph = ReadGraph(path);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(graph);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException error)
        {
            throw new ModelFormatException($"'{path}': its ONNX graph does not parse ({error.Message}); the file is damaged.", path, inner: error);
        }
        return new SegmentationModel(path, model, graph);
    }

    /// <summary>The label map of an RGB image at its own size; with <paramref name="mirror"/>, averaged with its mirror image's scores.</summary>
    /// <exception cref="OnnxModelException">ONNX Runtime failed.</exception>
    public LabelMap Predict(RgbImage image, bool mirror = false, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        int height = image.Height, width = image.Width, pixels = height * width;
        var planes = new float[3 * pixels];
        var rgb = image.Pixels;
        for (int p = 0; p < pixels; p++)
        {
            planes[p] = rgb[3 * p];
            planes[pixels + p] = rgb[3 * p + 1];
            planes[2 * pixels + p] = rgb[3 * p + 2];
        }
        var indices = new uint[pixels];
        using (var input = OrtValue.CreateTensorValueFromMemory(planes, [1, 3, height, width]))
        using (var output = OrtValue.CreateTensorValueFromMemory(indices, [1, height, width]))
            session.Run([SegmenterGraph.InputName], [input], [mirror ? SegmenterGraph.MirroredOutputName : SegmenterGraph.OutputName], [output], cancellation);
        var labels = new byte[pixels];
        int classes = Classes.ClassCount;
        for (int p = 0; p < pixels; p++)
            labels[p] = indices[p] < (uint)classes ? (byte)indices[p] : throw new OnnxModelException($"The graph in '{Path}' predicted class {indices[p]} of {classes}.");
        return new LabelMap(width, height, labels);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => session.Dispose();

    /// <summary>
    /// The bytes of the zip's one ONNX graph, as ML.NET's OnnxTransformer stores it (an int32 length, then the
    /// model), after checking every entry against the CRC-32 its central directory records: a zip reader does not,
    /// and a flipped bit would otherwise change predictions silently.
    /// </summary>
    private static byte[] ReadGraph(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            long declared = zip.Entries.Sum(e => e.Length);
            if (declared > MaximumGraphBytes + (64L << 20))
                throw new ModelFormatException($"'{path}' declares {declared:N0} bytes of entries; a model of at most {MaximumGraphBytes:N0} bytes was expected.", path);
            var graphs = zip.Entries.Where(e => e.Name == "OnnxModel").ToList();
            if (graphs.Count != 1)
                throw new ModelFormatException(graphs.Count == 0
                    ? $"'{path}' holds no ONNX graph; it is not a model written by Segmentation.ML's trainers (segml train)."
                    : $"'{path}' holds {graphs.Count} ONNX graphs; a Segmentation.ML model holds one.", path);
            byte[]? graph = null;
            foreach (var entry in zip.Entries)
            {
                var content = ReadVerified(path, entry);
                if (entry == graphs[0]) graph = content;
            }
            if (graph!.Length < 5)
                throw new ModelFormatException($"'{path}': entry '{graphs[0].FullName}' is {graph.Length} bytes; it holds no graph.", path, graphs[0].FullName);
            int length = BinaryPrimitives.ReadInt32LittleEndian(graph);
            if (length != graph.Length - 4)
                throw new ModelFormatException($"'{path}': entry '{graphs[0].FullName}' declares a {length}-byte graph but holds {graph.Length - 4} bytes; the file is damaged.", path, graphs[0].FullName);
            return graph[4..];
        }
        catch (Exception error) when (error is InvalidDataException or EndOfStreamException or IOException and not FileNotFoundException)
        {
            throw new ModelFormatException($"'{path}' is corrupt or truncated: {error.Message}", path, inner: error);
        }
    }

    /// <summary>An entry's bytes, exactly its declared length, with the declared CRC-32.</summary>
    private static byte[] ReadVerified(string path, ZipArchiveEntry entry)
    {
        var content = GC.AllocateUninitializedArray<byte>(checked((int)entry.Length));
        using (var stream = entry.Open())
        {
            stream.ReadExactly(content);
            if (stream.ReadByte() >= 0)
                throw new ModelFormatException($"'{path}' is corrupt: entry '{entry.FullName}' holds more than its declared {entry.Length} bytes.", path, entry.FullName);
        }
        if (Imaging.Png.Crc32.Compute(content) != entry.Crc32)
            throw new ModelFormatException($"'{path}' is corrupt: entry '{entry.FullName}' does not match its CRC-32; the file was damaged or altered.", path, entry.FullName);
        return content;
    }

    private static void CheckSignature(string path, ModelProto model)
    {
        var graph = model.Graph ?? throw new ModelFormatException($"'{path}': its ONNX model has no graph.", path);
        bool input = graph.Input.Any(i => i.Name == SegmenterGraph.InputName && i.Type?.TensorType?.ElemType == (int)TensorProto.Types.DataType.Float);
        var outputs = graph.Output.Where(o => o.Type?.TensorType?.ElemType == (int)TensorProto.Types.DataType.Uint32).Select(o => o.Name).ToHashSet();
        if (!input || !outputs.Contains(SegmenterGraph.OutputName) || !outputs.Contains(SegmenterGraph.MirroredOutputName))
            throw new ModelFormatException($"'{path}': its graph must read float '{SegmenterGraph.InputName}' and write uint32 '{SegmenterGraph.OutputName}' and " +
                $"'{SegmenterGraph.MirroredOutputName}'; it reads {string.Join(", ", graph.Input.Select(i => i.Name))} and writes {string.Join(", ", graph.Output.Select(o => o.Name))}.", path);
    }
}
