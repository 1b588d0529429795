using Segmentation.ML.Data;

namespace Segmentation.ML.Tests.Data;

public sealed class DatasetStatisticsTests
{
    [Fact]
    public void CountsPixelsAndImagesPerClassFromMasksAlone()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", """{ "classes": ["bg", "cat", "dog"], "ignore": 255 }""");
        d.WriteText("images/a.png", "images are never read");
        d.WriteText("images/b.png", "images are never read");
        d.WriteMask("masks/a.png", 4, 2, [0, 0, 1, 255]);   // bg 4, cat 2, ignore 2
        d.WriteMask("masks/b.png", 3, 3, [0, 2, 2]);        // bg 3, dog 6
        var progress = new List<int>();

        DatasetStatistics stats = DatasetStatistics.Compute(FolderDataset.Open(d.Root),
            new DatasetStatisticsOptions { MaxDegreeOfParallelism = 1, Progress = new SynchronousProgress(progress) });

        Assert.Equal(2, stats.ImageCount);
        Assert.Equal(17, stats.TotalPixels);
        Assert.Equal(2, stats.IgnoredPixels);
        Assert.Equal([7, 2, 6], stats.PixelCounts);
        Assert.Equal([2, 1, 1], stats.ImagesPerClass);
        Assert.Equal(7 / 17.0, stats.GetPixelShare(0), 12);
        Assert.Equal(7 / 15.0, stats.GetPixelShare(0, excludeIgnored: true), 12);
        Assert.Equal(2 / 17.0, stats.IgnoredShare, 12);
        Assert.Equal([1, 2], progress);
    }

    [Fact]
    public void DataFrameHoldsOneRowPerClassWithPixelsSharesAndImages()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", """{ "classes": ["bg", "cat", "dog", "bird"], "ignore": 255 }""");
        d.WriteText("images/a.png", "images are never read");
        d.WriteText("images/b.png", "images are never read");
        d.WriteMask("masks/a.png", 4, 2, [0, 0, 1, 255]);   // bg 4, cat 2, ignore 2
        d.WriteMask("masks/b.png", 3, 3, [0, 2, 2]);        // bg 3, dog 6; bird nowhere
        DatasetStatistics stats = DatasetStatistics.Compute(FolderDataset.Open(d.Root));

        var frame = stats.ToDataFrame();
        var labelled = stats.ToDataFrame(excludeIgnored: true);

        Assert.Equal(["Class", "Pixels", "Pixel share", "Images"], frame.Columns.Select(c => c.Name));
        Assert.Equal(4, frame.Rows.Count);
        Assert.Equal(["bg", "cat", "dog", "bird"], frame["Class"].Cast<string>());
        Assert.Equal([7L, 2L, 6L, 0L], frame["Pixels"].Cast<long>());
        Assert.Equal([2, 1, 1, 0], frame["Images"].Cast<int>());
        for (int c = 0; c < 4; c++)
        {
            Assert.Equal(stats.GetPixelShare(c), (double)frame["Pixel share"][c]!, 12);
            Assert.Equal(stats.GetPixelShare(c, excludeIgnored: true), (double)labelled["Pixel share"][c]!, 12);
        }
        Assert.Equal(6 / 17.0, (double)frame["Pixel share"][2]!, 12);
        Assert.Equal(6 / 15.0, (double)labelled["Pixel share"][2]!, 12);
    }

    [Fact]
    public void InvalidMasksThrowTheDatasetErrorOrAreSkippedAndListed()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", """{ "classes": ["bg", "fg"] }""");
        for (int i = 0; i < 20; i++)
        {
            d.WriteText($"images/{i:D2}.png", "");
            if (i % 7 != 3)
            {
                d.WriteMask($"masks/{i:D2}.png", 5, 5, [0, 1]);
            }
        }

        var e = Assert.Throws<DatasetException>(() => DatasetStatistics.Compute(FolderDataset.Open(d.Root)));
        Assert.Equal(DatasetProblem.MissingFile, e.Problem);

        DatasetStatistics stats = DatasetStatistics.Compute(FolderDataset.Open(d.Root, options: new DatasetReadOptions { SkipInvalidSamples = true }));
        Assert.Equal(17, stats.ImageCount);
        Assert.Equal(["03", "10", "17"], stats.SkippedSamples.Select(s => s.Sample.Id));
        Assert.Equal(17 * 25, stats.TotalPixels);
    }

    [Fact]
    public void CancellationStopsTheComputation()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", """{ "classes": ["bg"] }""");
        d.WriteText("images/a.png", "");
        d.WriteMask("masks/a.png", 2, 2, [0]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => DatasetStatistics.Compute(FolderDataset.Open(d.Root), cancellationToken: cancelled.Token));
    }

    private sealed class SynchronousProgress(List<int> values) : IProgress<int>
    {
        public void Report(int value) => values.Add(value);
    }
}
