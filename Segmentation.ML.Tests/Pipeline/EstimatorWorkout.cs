using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Tests.Pipeline;

/// <summary>
/// The checks every estimator goes through (as ML.NET's TestEstimatorCore): the schema it promises is the
/// schema it produces, input without the columns it needs is refused with a typed error naming the
/// column, and a fitted transformer saved to a model zip and loaded back produces identical values.
/// </summary>
internal static class EstimatorWorkout
{
    /// <param name="invalid">Data lacking <paramref name="missingColumn"/>, which fitting needs.</param>
    /// <param name="invalidForTransform">Data the fitted transformer must refuse, when it differs from <paramref name="invalid"/> (a trainer needs labels to fit, not to predict).</param>
    public static ITransformer Run<TTransformer>(SegmentationContext context, IEstimator<TTransformer> estimator, IDataView data, IDataView invalid, string missingColumn,
        IDataView? invalidForTransform = null)
        where TTransformer : ITransformer
    {
        var promised = estimator.GetOutputSchema(data.Schema);
        var fitted = estimator.Fit(data);
        var produced = fitted.Transform(data);
        AssertSameColumns(promised, fitted.GetOutputSchema(data.Schema));
        AssertSameColumns(promised, produced.Schema);

        var refusedFit = Assert.Throws<SchemaException>(() => estimator.Fit(invalid));
        Assert.Equal(missingColumn, refusedFit.ColumnName);
        Assert.Contains($"'{missingColumn}'", refusedFit.Message);
        Assert.Throws<SchemaException>(() => estimator.GetOutputSchema(invalid.Schema));
        Assert.Throws<SchemaException>(() => fitted.Transform(invalidForTransform ?? invalid));

        string path = Path.Combine(Path.GetTempPath(), $"workout-{Guid.NewGuid():N}.zip");
        try
        {
            context.Model.Save(fitted, data.Schema, path);
            var loaded = context.Model.Load(path, out var inputSchema);
            AssertSameColumns(data.Schema, inputSchema);
            AssertSameValues(produced, loaded.Transform(data));
            return loaded;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static void AssertSameColumns(DataViewSchema expected, DataViewSchema actual)
    {
        var e = expected.Visible.Select(c => (c.Name, c.Type)).ToList();
        var a = actual.Visible.Select(c => (c.Name, c.Type)).ToList();
        Assert.Equal(e.Select(c => c.Name), a.Select(c => c.Name));
        for (int i = 0; i < e.Count; i++)
            Assert.True(e[i].Type.Equals(a[i].Type), $"Column '{e[i].Name}': expected {e[i].Type}, got {a[i].Type}.");
    }

    /// <summary>Every visible column of every row equal, values compared exactly.</summary>
    public static void AssertSameValues(IDataView expected, IDataView actual)
    {
        AssertSameColumns(expected.Schema, actual.Schema);
        var columns = expected.Schema.Visible.ToArray();
        using var left = expected.GetRowCursor(columns);
        using var right = actual.GetRowCursor(columns.Select(c => actual.Schema[c.Name]));
        var leftGetters = columns.Select(c => DataView.MakeBoxedGetter(left, c)).ToArray();
        var rightGetters = columns.Select(c => DataView.MakeBoxedGetter(right, actual.Schema[c.Name])).ToArray();
        int rows = 0;
        while (left.MoveNext())
        {
            Assert.True(right.MoveNext(), $"The second view ended after {rows} rows.");
            for (int i = 0; i < columns.Length; i++)
                Assert.True(Same(leftGetters[i](), rightGetters[i]()), $"Row {rows}, column '{columns[i].Name}' differs.");
            rows++;
        }
        Assert.False(right.MoveNext(), $"The second view has more than {rows} rows.");
        Assert.True(rows > 0, "The views were empty: nothing was compared.");
    }

    private static bool Same(object? a, object? b) => (a, b) switch
    {
        (RgbImage x, RgbImage y) => x.Width == y.Width && x.Height == y.Height && x.Pixels.SequenceEqual(y.Pixels),
        (LabelMap x, LabelMap y) => x.Width == y.Width && x.Height == y.Height && x.Labels.SequenceEqual(y.Labels),
        (Tensor x, Tensor y) => x.Shape.SequenceEqual(y.Shape) && x.Span.SequenceEqual(y.Span),
        (float[] x, float[] y) => x.AsSpan().SequenceEqual(y),
        _ => Equals(a, b),
    };
}

/// <summary>A small synthetic scene dataset: sky above, road below, a car box; 3 classes + ignore 255.</summary>
internal static class SyntheticScenes
{
    public static readonly SegmentationClassSet Classes = new("scenes", ["sky", "road", "car"], 255, new Palette([new Rgb24(70, 130, 180), new Rgb24(128, 64, 128), new Rgb24(0, 0, 142)]));

    public sealed class Row
    {
        public string Id { get; set; } = "";
        public RgbImage Image { get; set; } = null!;
        public LabelMap Label { get; set; } = null!;
    }

    public sealed class ImageOnlyRow
    {
        public string Id { get; set; } = "";
        public RgbImage Image { get; set; } = null!;
    }

    public static List<Row> Make(int count, int width = 40, int height = 30, int seed = 1)
    {
        var random = new Random(seed);
        var rows = new List<Row>();
        for (int n = 0; n < count; n++)
        {
            int horizon = height / 3 + random.Next(height / 3);
            int carLeft = random.Next(width / 2), carTop = horizon + random.Next(Math.Max(1, height - horizon - 6));
            var pixels = new byte[width * height * 3];
            var labels = new byte[width * height];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    byte label = y < horizon ? (byte)0 : (byte)1;
                    if (y >= carTop && y < carTop + 5 && x >= carLeft && x < carLeft + 8) label = 2;
                    if (y == horizon) label = 255;
                    labels[y * width + x] = label;
                    var colour = label == 255 ? new Rgb24(90, 90, 90) : Classes.Palette![label];
                    int noise = random.Next(-12, 13);
                    pixels[(y * width + x) * 3] = (byte)Math.Clamp(colour.R + noise, 0, 255);
                    pixels[(y * width + x) * 3 + 1] = (byte)Math.Clamp(colour.G + noise, 0, 255);
                    pixels[(y * width + x) * 3 + 2] = (byte)Math.Clamp(colour.B + noise, 0, 255);
                }
            rows.Add(new Row { Id = $"scene{n:D3}", Image = new RgbImage(width, height, pixels), Label = new LabelMap(width, height, labels) });
        }
        return rows;
    }

    public static IDataView View(int count, int width = 40, int height = 30) => DataView.FromEnumerable(Make(count, width, height), Classes);

    public static IDataView ImagesOnly(int count) => DataView.FromEnumerable(Make(count).Select(r => new ImageOnlyRow { Id = r.Id, Image = r.Image }).ToList());
}
