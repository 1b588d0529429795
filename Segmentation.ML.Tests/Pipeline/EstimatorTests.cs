using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Tests.Pipeline;

public class EstimatorTests
{
    private readonly SegmentationContext context = new(seed: 7);

    private static IDataView Without(string column) => column == "Label"
        ? SyntheticScenes.ImagesOnly(3)
        : DataView.FromEnumerable(SyntheticScenes.Make(3).Select(r => new LabelOnly { Id = r.Id, Label = r.Label }).ToList(), SyntheticScenes.Classes);

    private sealed class LabelOnly
    {
        public string Id { get; set; } = "";
        public LabelMap Label { get; set; } = null!;
    }

    [Fact]
    public void ResizeImagesWorkout()
    {
        var loaded = EstimatorWorkout.Run(context, context.Transforms.ResizeImages(24, 18), SyntheticScenes.View(4), Without("Image"), "Image");
        var resized = loaded.Transform(SyntheticScenes.View(1)).GetColumn<LabelMap>("Label").Single();
        Assert.Equal((24, 18), (resized.Width, resized.Height));
        Assert.All(resized.Labels.ToArray(), l => Assert.True(l is 0 or 1 or 2 or 255, $"label {l} is not one of the input labels"));
    }

    [Fact]
    public void NormalizeImageNetWorkout()
    {
        EstimatorWorkout.Run(context, context.Transforms.NormalizeImageNet(), SyntheticScenes.View(3), Without("Image"), "Image");
        var first = SyntheticScenes.Make(1)[0].Image;
        var tensor = context.Transforms.NormalizeImageNet().Fit(SyntheticScenes.View(1)).Transform(SyntheticScenes.View(1));
        using var cursor = tensor.GetRowCursor([tensor.Schema["Pixels"]]);
        var getter = cursor.GetGetter<Tensor>(tensor.Schema["Pixels"]);
        Assert.True(cursor.MoveNext());
        Tensor value = null!;
        getter(ref value);
        Assert.Equal(new[] { 3, 30, 40 }, value.Shape.ToArray());
        Assert.Equal((first.Pixels[0] / 255f - 0.485f) / 0.229f, value.Span[0], 5);
    }

    [Fact]
    public void AugmentWorkoutCropsImageAndLabelAlikeForTrainingOnly()
    {
        var estimator = context.Transforms.Augment(cropWidth: 20, cropHeight: 16);
        var data = SyntheticScenes.View(6);
        var loaded = EstimatorWorkout.Run(context, estimator, data, Without("Label"), "Label", invalidForTransform: Without("Image"));
        Assert.Same(data, loaded.Transform(data));

        var augmenter = (ITrainingTimeTransformer)estimator.Fit(data);
        var training = augmenter.TransformForTraining(data).ToEnumerable<SyntheticScenes.Row>().ToList();
        Assert.All(training, row => Assert.Equal((20, 16, 20, 16), (row.Image.Width, row.Image.Height, row.Label.Width, row.Label.Height)));
        // Every label pixel's colour class must match the image pixel under it: image and label were cropped and flipped together.
        foreach (var row in training)
            for (int p = 0; p < row.Label.Labels.Length; p += 7)
            {
                byte label = row.Label.Labels[p];
                if (label == 255) continue;
                int blue = row.Image.Pixels[p * 3 + 2];
                Assert.True(Math.Abs(blue - SyntheticScenes.Classes.Palette![label].B) <= 12, $"{row.Id} pixel {p}: label {label} under blue {blue}.");
            }
        var secondPass = augmenter.TransformForTraining(data).ToEnumerable<SyntheticScenes.Row>().ToList();
        Assert.Contains(Enumerable.Range(0, training.Count), i => !training[i].Label.Labels.SequenceEqual(secondPass[i].Label.Labels));
    }

    [Fact]
    public void LoadImagesWorkout()
    {
        string folder = Directory.CreateTempSubdirectory("load-images").FullName;
        try
        {
            var rows = SyntheticScenes.Make(3).Select(r =>
            {
                string path = Path.Combine(folder, r.Id + ".png");
                PngEncoder.Save(r.Image, path);
                return new PathRow { ImagePath = path };
            }).ToList();
            var data = DataView.FromEnumerable(rows);
            var invalid = DataView.FromEnumerable(rows.Select(r => new OtherRow { File = r.ImagePath }).ToList());
            var loaded = EstimatorWorkout.Run(context, context.Transforms.LoadImages(), data, invalid, "ImagePath");
            var images = loaded.Transform(data).GetColumn<RgbImage>("Image").ToList();
            Assert.Equal(SyntheticScenes.Make(3)[2].Image.Pixels.ToArray(), images[2].Pixels.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    private sealed class OtherRow
    {
        public string File { get; set; } = "";
    }

    [Fact]
    public void PixelPriorWorkoutLearnsSkyAboveRoad()
    {
        var data = SyntheticScenes.View(20);
        var loaded = EstimatorWorkout.Run(context, context.Trainers.PixelPrior(gridWidth: 8, gridHeight: 6), data, Without("Label"), "Label", invalidForTransform: Without("Image"));
        var prediction = loaded.Transform(data).GetColumn<LabelMap>("PredictedLabel").First();
        Assert.Equal(0, prediction[20, 1]);
        Assert.Equal(1, prediction[20, 28]);
        var metrics = context.Evaluation.Evaluate(loaded.Transform(data));
        Assert.InRange(metrics.PixelAccuracy, 0.75, 1.0);
    }

    [Fact]
    public void ChainFitsInOrderAndSavesAsOneModel()
    {
        var pipeline = new EstimatorChain<ITransformer>()
            .Append(context.Transforms.ResizeImages(20, 15))
            .Append(context.Trainers.PixelPrior(gridWidth: 10, gridHeight: 5));
        var data = SyntheticScenes.View(8);
        var model = pipeline.Fit(data);
        Assert.Equal(2, model.Count());
        Assert.NotNull(model.LastTransformer);
        string path = Path.Combine(Path.GetTempPath(), $"chain-{Guid.NewGuid():N}.zip");
        try
        {
            context.Model.Save(model, data.Schema, path);
            var loaded = context.Model.Load(path, out _);
            EstimatorWorkout.AssertSameValues(model.Transform(data), loaded.Transform(data));
        }
        finally
        {
            File.Delete(path);
        }
        var wrong = Assert.Throws<SchemaException>(() => pipeline.Fit(SyntheticScenes.ImagesOnly(2)));
        Assert.Equal("Label", wrong.ColumnName);
    }
}
