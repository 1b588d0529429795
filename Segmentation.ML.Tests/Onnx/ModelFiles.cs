using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.ML;
using Onnx;
using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tests.Cli;
using Segmentation.ML.Trainers;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>
/// A model zip from a tiny training on the synthetic scenes, its prediction of one image, and the tools to write edited
/// copies: the ONNX graph rewritten, or the zip's entries changed, each written as a valid zip (ZipArchive computes the
/// CRCs) as a program editing the file would write it. <see cref="PixelPriorModelFiles"/> and
/// <see cref="HypercolumnModelFiles"/> say which trainer made it.
/// </summary>
public abstract class ModelFiles : IDisposable
{
    public const string GraphEntry = "OnnxModel";

    private readonly SceneFolderDataset scenes = new();

    /// <param name="trainer">The trainer appended to LoadImages("Image", …, "ImagePath").</param>
    /// <param name="trainingResources">What the trainer uses while it trains (a backbone), disposed after training.</param>
    protected ModelFiles(Func<MLContext, IEstimator<ITransformer>> trainer, IDisposable? trainingResources = null)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadSegmentationFolder(scenes.Root, "train");
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder: null, "ImagePath").Append(trainer(ml));
        string path = Path.Combine(scenes.Root, "model.zip");
        using (trainingResources)
        using (var model = pipeline.Fit(train))
            ml.Model.SaveAtomically(model, train.Schema, path);
        Original = File.ReadAllBytes(path);
        Image = MLImages.LoadRgb(scenes.Images("val")[0]);
        using var loaded = SegmentationModel.Load(path);
        Labels = loaded.Predict(Image).Labels.ToArray();
        ClassesJson = loaded.Classes.ToJson();
        (InputWidth, InputHeight, Trainer) = (loaded.InputWidth, loaded.InputHeight, loaded.Trainer);
    }

    /// <summary>The zip as training wrote it.</summary>
    public byte[] Original { get; }

    /// <summary>A validation image and the original model's labels for it.</summary>
    public RgbImage Image { get; }

    public byte[] Labels { get; }

    public string ClassesJson { get; }

    public int InputWidth { get; }

    public int InputHeight { get; }

    public string Trainer { get; }

    public void Dispose()
    {
        scenes.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>True when <paramref name="model"/> holds the original's metadata and predicts its labels.</summary>
    public bool SameAsOriginal(SegmentationModel model) =>
        model.Classes.ToJson() == ClassesJson && (model.InputWidth, model.InputHeight, model.Trainer) == (InputWidth, InputHeight, Trainer) && PredictsAsOriginal(model);

    public bool PredictsAsOriginal(SegmentationModel model) => model.Predict(Image).Labels.ToArray().SequenceEqual(Labels);

    /// <summary>The zip's entries in order: name and bytes.</summary>
    public static List<(string Name, byte[] Bytes)> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.Select(e =>
        {
            using var stream = e.Open();
            var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            return (e.FullName, bytes.ToArray());
        }).ToList();
    }

    /// <summary>A zip holding <paramref name="entries"/>, in order.</summary>
    public static byte[] Zip(IEnumerable<(string Name, byte[] Bytes)> entries)
    {
        var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                using var stream = archive.CreateEntry(name).Open();
                stream.Write(bytes);
            }
        return buffer.ToArray();
    }

    /// <summary>The ONNX model inside a model zip.</summary>
    public static ModelProto Graph(byte[] zip) => ModelProto.Parser.ParseFrom(Entries(zip).Single(e => e.Name.EndsWith(GraphEntry, StringComparison.Ordinal)).Bytes.AsSpan(4));

    /// <summary>The original zip with its ONNX model edited by <paramref name="edit"/>, re-serialised behind its int32 length prefix.</summary>
    public byte[] WithGraph(Action<ModelProto> edit)
    {
        var entries = Entries(Original);
        int index = entries.FindIndex(e => e.Name.EndsWith(GraphEntry, StringComparison.Ordinal));
        var model = ModelProto.Parser.ParseFrom(entries[index].Bytes.AsSpan(4));
        edit(model);
        byte[] graph = model.ToByteArray();
        var prefixed = new byte[4 + graph.Length];
        BinaryPrimitives.WriteInt32LittleEndian(prefixed, graph.Length);
        graph.CopyTo(prefixed, 4);
        entries[index] = (entries[index].Name, prefixed);
        return Zip(entries);
    }

    /// <summary>Sets metadata <paramref name="key"/> to <paramref name="value"/>, or removes it when null.</summary>
    public byte[] WithMetadata(string key, string? value) => WithGraph(model =>
    {
        var existing = model.MetadataProps.Where(p => p.Key == key).ToList();
        foreach (var property in existing) model.MetadataProps.Remove(property);
        if (value is not null) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    });
}

/// <summary>A pixel-prior model: an 8 × 6 grid of class frequencies, a graph of a few nodes.</summary>
public sealed class PixelPriorModelFiles() : ModelFiles(ml => ml.MulticlassClassification.Trainers.PixelPrior(gridWidth: 8, gridHeight: 6));

/// <summary>A hypercolumn model: a small random-weight MobileNetV2 (the backbone fixture), its factorised head and the resize and arg-max after it.</summary>
public sealed class HypercolumnModelFiles : ModelFiles
{
    public HypercolumnModelFiles() : this(Backbone.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", "mini-mobilenet_v2.pth")))
    {
    }

    private HypercolumnModelFiles(Backbone backbone) : base(ml => ml.MulticlassClassification.Trainers.Hypercolumns(new HypercolumnTrainer.Options
    {
        Backbone = backbone,
        HiddenSizes = [8],
        SparseEpochs = 2,
        DenseEpochs = 1,
        Seed = 5,
    }), backbone)
    {
    }
}
