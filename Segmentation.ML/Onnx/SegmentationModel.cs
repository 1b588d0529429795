using System.Buffers.Binary;
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
/// and outputs, and whose tensors are finite and held in the file (<see cref="SegmenterGraphCheck"/>).
/// </remarks>
public sealed class SegmentationModel : IDisposable
{
    /// <summary>The largest graph read (1 GiB): a VGG16 segmenter's graph is about 60 MB.</summary>
    public const long MaximumGraphBytes = 1L << 30;

    private readonly OnnxSession session;

    private SegmentationModel(string path, ModelProto model, byte[] graph)
    {
        Path = path;
        (Classes, InputWidth, InputHeight, Trainer) = SegmenterGraphCheck.Check(path, model);
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

    /// <summary>
    /// The label map of an RGB image at its own size. With <paramref name="mirror"/> (test-time flipping, twice the
    /// work) the graph also scores the mirror image, and the two grids of class scores, the mirror's flipped back,
    /// are resized to the image and summed before the arg-max.
    /// </summary>
    /// <exception cref="OnnxModelException">ONNX Runtime failed.</exception>
    public LabelMap Predict(RgbImage image, bool mirror = false, CancellationToken cancellation = default) =>
        Predict(image, mirror ? new TestTimeAugmentation { Mirror = true } : TestTimeAugmentation.None, cancellation);

    /// <summary>
    /// The label map of an RGB image at its own size, with test-time augmentation: the graph scores the image at
    /// each scale (resized bilinearly) and, when asked, its mirror; every grid of class scores is resized to the
    /// image (bilinear, as the graph itself resizes) and the arg-max of their sum is each pixel's label.
    /// </summary>
    /// <exception cref="OnnxModelException">ONNX Runtime failed.</exception>
    public LabelMap Predict(RgbImage image, TestTimeAugmentation augmentation, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(augmentation);
        int height = image.Height, width = image.Width, pixels = height * width;
        var planes = Planes(image);
        if (augmentation.Runs == 1 && augmentation.Scales[0] == 1)
        {
            var indices = new uint[pixels];
            using (var input = OrtValue.CreateTensorValueFromMemory(planes, [1, 3, height, width]))
            using (var output = OrtValue.CreateTensorValueFromMemory(indices, [1, height, width]))
                session.Run([SegmenterGraph.InputName], [input], [SegmenterGraph.OutputName], [output], cancellation);
            return new LabelMap(width, height, ToLabels(indices));
        }

        var sum = new ScoreSum(Classes.ClassCount, height, width);
        foreach (double scale in augmentation.Scales)
        {
            int scaledHeight = Math.Max(1, (int)Math.Round(height * scale)), scaledWidth = Math.Max(1, (int)Math.Round(width * scale));
            var scaled = planes;
            if ((scaledHeight, scaledWidth) != (height, width))
            {
                scaled = new float[3 * scaledHeight * scaledWidth];
                Tensors.Resize.Bilinear(planes, 3, height, width, scaled, scaledHeight, scaledWidth);
            }
            var (logits, gridHeight, gridWidth) = GridLogits(scaled, scaledHeight, scaledWidth, cancellation);
            sum.Add(logits, gridHeight, gridWidth, mirrored: false);
            if (augmentation.Mirror)
            {
                var (mirrored, _, _) = GridLogits(ScoreSum.Mirror((float[])scaled.Clone(), scaledWidth), scaledHeight, scaledWidth, cancellation);
                sum.Add(mirrored, gridHeight, gridWidth, mirrored: true);
            }
        }
        return new LabelMap(width, height, sum.Labels());
    }

    private (float[] Logits, int Height, int Width) GridLogits(float[] planes, int height, int width, CancellationToken cancellation)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(planes, [1, 3, height, width]);
        using var outputs = session.Run([SegmenterGraph.InputName], [input], [SegmenterGraph.LogitsOutputName], cancellation);
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 4 || shape[1] != Classes.ClassCount)
            throw new OnnxModelException($"The graph in '{Path}' gave scores of shape [{string.Join(", ", shape)}]; [1, {Classes.ClassCount}, h, w] was expected.");
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), (int)shape[2], (int)shape[3]);
    }

    /// <summary>The image's RGB planes (0…255 floats).</summary>
    private static float[] Planes(RgbImage image)
    {
        int pixels = image.Height * image.Width;
        var planes = new float[3 * pixels];
        var rgb = image.Pixels;
        for (int p = 0; p < pixels; p++)
        {
            planes[p] = rgb[3 * p];
            planes[pixels + p] = rgb[3 * p + 1];
            planes[2 * pixels + p] = rgb[3 * p + 2];
        }
        return planes;
    }

    private byte[] ToLabels(uint[] indices)
    {
        var labels = new byte[indices.Length];
        int classes = Classes.ClassCount;
        for (int p = 0; p < indices.Length; p++)
            labels[p] = indices[p] < (uint)classes ? (byte)indices[p] : throw new OnnxModelException($"The graph in '{Path}' predicted class {indices[p]} of {classes}.");
        return labels;
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
            const long limit = MaximumGraphBytes + (64L << 20);
            long declared = zip.Entries.Sum(e => e.Length is >= 0 and <= limit ? e.Length : limit + 1);
            if (declared > limit)
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

    /// <summary>
    /// An entry's bytes, exactly its declared length, with the declared CRC-32. The buffer grows as the data
    /// arrives, so a small file declaring a huge entry costs no more memory than the data it really holds.
    /// </summary>
    private static byte[] ReadVerified(string path, ZipArchiveEntry entry)
    {
        const int firstBuffer = 1 << 20;
        var content = GC.AllocateUninitializedArray<byte>((int)Math.Min(entry.Length, firstBuffer));
        int filled = 0;
        using (var stream = entry.Open())
        {
            while (true)
            {
                if (filled == content.Length)
                {
                    if (filled == entry.Length) break;
                    Array.Resize(ref content, (int)Math.Min(entry.Length, 2L * content.Length));
                }
                int read = stream.Read(content, filled, content.Length - filled);
                if (read == 0) break;
                filled += read;
            }
            if (filled < entry.Length)
                throw new ModelFormatException($"'{path}' is corrupt or truncated: entry '{entry.FullName}' holds {filled:N0} of its declared {entry.Length:N0} bytes.", path, entry.FullName);
            if (stream.ReadByte() >= 0)
                throw new ModelFormatException($"'{path}' is corrupt: entry '{entry.FullName}' holds more than its declared {entry.Length} bytes.", path, entry.FullName);
        }
        if (Imaging.Png.Crc32.Compute(content) != entry.Crc32)
            throw new ModelFormatException($"'{path}' is corrupt: entry '{entry.FullName}' does not match its CRC-32; the file was damaged or altered.", path, entry.FullName);
        return content;
    }
}
