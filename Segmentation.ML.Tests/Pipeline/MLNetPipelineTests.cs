using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
using Segmentation.ML.Tests.Cli;
using Segmentation.ML.Trainers;

namespace Segmentation.ML.Tests.Pipeline;

/// <summary>
/// The library as an extension of ML.NET: dataset views, label-map columns, our estimators appended to ML.NET's
/// own, and trained models saved and loaded as genuine ML.NET zips.
/// </summary>
public sealed class MLNetPipelineTests : IDisposable
{
    private static readonly string MiniMobileNet = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", "mini-mobilenet_v2.pth");

    private readonly SceneFolderDataset scenes = new();
    private readonly MLContext ml = new(seed: 1);

    public void Dispose() => scenes.Dispose();

    [Fact]
    public void DatasetViewHoldsPathsAndLabelKeysWithTheClassNames()
    {
        var view = ml.Data.LoadSegmentationFolder(scenes.Root, "train");
        var label = view.Schema["Label"];
        Assert.Equal(new VectorDataViewType(new KeyDataViewType(typeof(uint), 4)), label.Type);
        VBuffer<ReadOnlyMemory<char>> names = default;
        label.GetKeyValues(ref names);
        Assert.Equal(SceneFolderDataset.ClassNames, names.DenseValues().Select(n => n.ToString()));
        var classes = LabelMapColumn.GetClasses(label);
        Assert.Equal((byte?)255, classes.IgnoreValue);
        Assert.Equal(new Rgb24(0, 0, 142), classes.Palette![2]);

        var sample = view.Dataset.Samples[0];
        var mask = view.Dataset.LoadMask(sample);
        var keys = view.GetColumn<VBuffer<uint>>("Label").First();
        Assert.Equal(mask.Labels.Length, keys.Length);
        var values = keys.DenseValues().ToArray();
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(mask.Labels[i] == 255 ? 0u : mask.Labels[i] + 1u, values[i]);
        Assert.Contains(0u, values);
    }

    [Fact]
    public void ShuffledCursorsVisitEveryRowOnce()
    {
        var view = ml.Data.LoadSegmentationFolder(scenes.Root, "train");
        var ids = new List<string>();
        using (var cursor = view.GetRowCursor([view.Schema["Id"]], new Random(3)))
        {
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Id"]);
            ReadOnlyMemory<char> id = default;
            while (cursor.MoveNext())
            {
                getter(ref id);
                ids.Add(id.ToString());
            }
        }
        var ordered = view.GetColumn<string>("Id").ToList();
        Assert.NotEqual(ordered, ids);
        Assert.Equal(ordered.Order(), ids.Order());
    }

    [Fact]
    public void LoadLabelMapsReadsAnyPathColumnIntoTheSameKeys()
    {
        var view = ml.Data.LoadSegmentationFolder(scenes.Root, "val");
        var loaded = ml.Transforms.LoadLabelMaps(view.Dataset.Classes, "Truth", "LabelPath").Fit(view).Transform(view);
        var expected = loaded.GetColumn<VBuffer<uint>>("Label").Select(k => k.DenseValues().ToArray()).ToList();
        var actual = loaded.GetColumn<VBuffer<uint>>("Truth").Select(k => k.DenseValues().ToArray()).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(SceneFolderDataset.ClassNames, LabelMapColumn.GetClasses(loaded.Schema["Truth"]).ClassNames);
        var error = Assert.ThrowsAny<Exception>(() => ml.Model.Save(ml.Transforms.LoadLabelMaps(view.Dataset.Classes).Fit(view), view.Schema, new MemoryStream()));
        Assert.Contains("not saved", (error.InnerException ?? error).Message);
    }

    [Fact]
    public void PixelPriorModelMixedWithMLNetsTransformsSavesAndLoadsAsAnMLNetZip()
    {
        var train = ml.Data.LoadSegmentationFolder(scenes.Root, "train");
        var val = ml.Data.LoadSegmentationFolder(scenes.Root, "val");
        var pipeline = ml.Transforms.CopyColumns("Photo", "ImagePath")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, "Photo"))
            .Append(ml.MulticlassClassification.Trainers.PixelPrior(gridWidth: 8, gridHeight: 6))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));
        using var model = pipeline.Fit(train);
        var predicted = Rows(model.Transform(val));
        // Sky on top, road below: the prior puts them there.
        var metrics = ml.MulticlassClassification.EvaluateSegmentation(model.Transform(val));
        Assert.True(metrics.PixelAccuracy > 0.6, $"pixel accuracy {metrics.PixelAccuracy}");

        string path = Path.Combine(scenes.Root, "prior.zip");
        ml.Model.SaveAtomically(model, train.Schema, path);
        var reloaded = new MLContext { TempFilePath = scenes.Root }.Model.Load(path, out var inputSchema);
        try
        {
            Assert.NotNull(inputSchema.GetColumnOrNull("ImagePath"));
            Assert.Equal(predicted, Rows(reloaded.Transform(val)));
        }
        finally
        {
            (reloaded as IDisposable)?.Dispose();
        }
    }

    [Theory]
    [InlineData("mini-mobilenet_v2")]
    [InlineData("mlnet-resnet18")]
    [InlineData("mini-mobilenet_v2+mlnet-resnet18")]
    public void HypercolumnModelPredictsTheSameAfterSaveAndLoadAndAtItsOwnSizeThroughSegmentationModel(string network)
    {
        // mlnet-resnet18: ML.NET's pretrained ResNet-18, whose BGR mean-image preprocessing the saved graph must carry;
        // combined, both networks in one graph, each normalising the image its own way.
        using var mobileNet = Backbone.Load(MiniMobileNet);
        using var resNet = ResNet.LoadMLNetResNet18();
        using var combined = network.Contains('+') ? CombinedBackbone.Of(mobileNet, resNet) : null;
        Backbone backbone = combined ?? (network == "mlnet-resnet18" ? resNet : mobileNet);
        var train = ml.Data.LoadSegmentationFolder(scenes.Root, "train");
        var val = ml.Data.LoadSegmentationFolder(scenes.Root, "val");
        var loadImages = ml.Transforms.LoadImages("Image", imageFolder: null, "ImagePath");
        var stages = new List<string>();
        var pipeline = loadImages.Append(ml.MulticlassClassification.Trainers.Hypercolumns(new HypercolumnTrainer.Options
        {
            Backbone = backbone,
            HiddenSizes = [16],
            SparseEpochs = 4,
            DenseEpochs = 1,
            Seed = 5,
            ValidationData = loadImages.Fit(val).Transform(val),
            StageCompleted = report => stages.Add(report.Stage),
        }));
        using var model = pipeline.Fit(train);
        Assert.Equal(["A", "B"], stages);
        var predicted = Rows(model.Transform(val));
        string path = Path.Combine(scenes.Root, "hypercolumns.zip");
        ml.Model.SaveAtomically(model, train.Schema, path);

        var reloaded = new MLContext { TempFilePath = scenes.Root }.Model.Load(path, out _);
        try
        {
            Assert.Equal(predicted, Rows(reloaded.Transform(val)));
        }
        finally
        {
            (reloaded as IDisposable)?.Dispose();
        }

        using var direct = SegmentationModel.Load(path);
        Assert.Equal((40, 30), (direct.InputWidth, direct.InputHeight));
        Assert.Equal(SceneFolderDataset.ClassNames, direct.Classes.ClassNames);
        Assert.Equal($"hypercolumns on {backbone.Architecture}", direct.Trainer);
        var images = val.GetColumn<string>("ImagePath").ToList();
        for (int i = 0; i < images.Count; i++)
        {
            var labels = direct.Predict(MLImages.LoadRgb(images[i]));
            Assert.Equal(predicted[i], labels.Labels.ToArray().Select(l => l + 1u).ToArray());
        }
        var odd = new RgbImage(57, 23);
        var other = direct.Predict(odd);
        Assert.Equal((57, 23), (other.Width, other.Height));
        var mirrored = direct.Predict(MLImages.LoadRgb(images[0]), mirror: true);
        Assert.Equal((40, 30), (mirrored.Width, mirrored.Height));
    }

    [Fact]
    public void TrainerNamesTheMissingColumn()
    {
        using var backbone = Backbone.Load(MiniMobileNet);
        var train = ml.Data.LoadSegmentationFolder(scenes.Root, "train");
        var trainer = ml.MulticlassClassification.Trainers.Hypercolumns(backbone);
        var error = Assert.Throws<SchemaException>(() => trainer.Fit(train));
        Assert.Equal("Image", error.ColumnName);
        Assert.Contains("LoadImages", error.Message);
        var prior = ml.MulticlassClassification.Trainers.PixelPrior(labelColumnName: "Truth");
        var images = ml.Transforms.LoadImages("Image", null, "ImagePath").Fit(train).Transform(train);
        Assert.Equal("Truth", Assert.Throws<SchemaException>(() => prior.Fit(images)).ColumnName);
    }

    [Fact]
    public void SampledHypercolumnsFeedMLNetsOwnTrainer()
    {
        using var backbone = Backbone.Load(MiniMobileNet);
        var train = ml.Data.LoadSegmentationFolder(scenes.Root, "train");
        var features = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ExtractHypercolumns(backbone)).Fit(train).Transform(train);
        var samples = ml.Data.SamplePixels(features, perClass: 5, seed: 2);
        Assert.True(samples.CountPerClass().Count(count => count > 0) >= 3, "sky, road and car are sampled in every scene set");
        var view = samples.ToDataView(ml);
        var model = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features", maximumNumberOfIterations: 20).Fit(view);
        var quality = ml.MulticlassClassification.Evaluate(model.Transform(view));
        Assert.True(quality.MicroAccuracy > 0.5, $"accuracy {quality.MicroAccuracy}");
    }

    [Fact]
    public void EvaluationSkipsKeyZeroAndNamesClassesFromTheLabelColumn()
    {
        var classes = new SegmentationClassSet("two", ["a", "b"], 255);
        var rows = new[] { new KeyRow { Label = [1, 2, 0, 2], PredictedLabel = [1, 1, 2, 2] } };
        var definition = SchemaDefinition.Create(typeof(KeyRow));
        definition["Label"].ColumnType = LabelMapColumn.Type(classes);
        definition["PredictedLabel"].ColumnType = LabelMapColumn.Type(classes);
        var data = ml.Data.LoadFromEnumerable(rows, definition);
        var metrics = ml.MulticlassClassification.EvaluateSegmentation(data);
        Assert.Equal(3, metrics.CountedPixels);
        Assert.Equal(1, metrics.IgnoredPixels);
        Assert.Equal(2.0 / 3, metrics.PixelAccuracy, 1e-12);
        Assert.Equal(["class 0", "class 1"], metrics.PerClass.Select(r => r.Name));
    }

    private static List<uint[]> Rows(IDataView scored) =>
        scored.GetColumn<VBuffer<uint>>("PredictedLabel").Select(k => k.DenseValues().ToArray()).ToList();

    private sealed class KeyRow
    {
        public uint[] Label { get; set; } = [];

        public uint[] PredictedLabel { get; set; } = [];
    }
}
