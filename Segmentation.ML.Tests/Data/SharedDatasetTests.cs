using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Data;

/// <summary>The readers on the genuine VOC 2012 masks and CamVid (SegNet) data in ../shared/data.</summary>
public sealed class SharedDatasetTests(ITestOutputHelper output)
{
    /// <summary>Images containing each class, train / val, from shared/data/README.md (the VOC devkit statistics).</summary>
    private static readonly Dictionary<string, (int Train, int Val)> VocImagesPerClass = new()
    {
        ["aeroplane"] = (88, 90), ["bicycle"] = (65, 79), ["bird"] = (105, 103), ["boat"] = (78, 72),
        ["bottle"] = (87, 96), ["bus"] = (78, 74), ["car"] = (128, 127), ["cat"] = (131, 119),
        ["chair"] = (148, 123), ["cow"] = (64, 71), ["diningtable"] = (82, 75), ["dog"] = (121, 128),
        ["horse"] = (68, 79), ["motorbike"] = (81, 76), ["person"] = (442, 446), ["pottedplant"] = (82, 85),
        ["sheep"] = (63, 57), ["sofa"] = (93, 90), ["train"] = (83, 84), ["tvmonitor"] = (83, 74),
    };

    [SharedDataFact]
    public void VocTrainStatisticsMatchTheDevkitFigures() => CheckVoc("train", 1464, 262_462_800, 182_014_429, 14_335_564, c => c.Train);

    [SharedDataFact]
    public void VocValStatisticsMatchTheDevkitFigures() => CheckVoc("val", 1449, 259_119_702, 179_546_198, 14_232_845, c => c.Val);

    [SharedDataFact]
    public void VocTrainvalListsBothSplits()
    {
        Assert.Equal(2913, VocDataset.Open(SharedData.Voc, "trainval").Samples.Count);
    }

    [SharedDataFact]
    public void VocMissingJpegIsAClearErrorNamingTheIdAndPath()
    {
        VocDataset voc = VocDataset.Open(SharedData.Voc, "val");
        SegmentationSample sample = voc.Samples[0];

        var e = Assert.Throws<DatasetException>(() => voc.Load(sample));

        Assert.Equal(DatasetProblem.MissingFile, e.Problem);
        Assert.Equal(sample.Id, e.SampleId);
        Assert.Equal(Path.Combine(SharedData.Voc, "JPEGImages", sample.Id + ".jpg"), e.FilePath);
        Assert.Contains($"'{sample.Id}'", e.Message);
        Assert.Contains(e.FilePath!, e.Message);
        Assert.Contains("VOCtrainval_11-May-2012.tar", e.Message);
    }

    [SharedDataFact]
    public void VocMasksDecodeAsPaletteIndicesWithTheVocPalette()
    {
        VocDataset voc = VocDataset.Open(SharedData.Voc, "train");
        SegmentationSample sample = voc.Samples[0];
        LabelMap mask = voc.LoadMask(sample);
        RgbImage colours = ImageDecoder.DecodeRgb(sample.MaskPath);

        Assert.Equal(Palette.Voc.Colorize(mask).Pixels.ToArray(), colours.Pixels.ToArray());
        Assert.Equal(mask.Labels.ToArray(), Palette.Voc.ToLabelMap(colours).Labels.ToArray());
    }

    [SharedDataFact]
    public void VocReadAllWithSkippingReportsEverySampleWithoutImages()
    {
        VocDataset voc = VocDataset.Open(SharedData.Voc, "train", new DatasetReadOptions { SkipInvalidSamples = true });
        Assert.Empty(voc.ReadAll());
        Assert.Equal(1464, voc.SkippedSamples.Count);
        Assert.All(voc.SkippedSamples, s => Assert.Equal(DatasetProblem.MissingFile, s.Reason.Problem));
    }

    [SharedDataFact]
    public void CamVidReads367TrainAnd101ValPairsOf480By360()
    {
        foreach (var (split, count) in new[] { ("train", 367), ("val", 101) })
        {
            CamVidDataset camVid = CamVidDataset.Open(SharedData.CamVid, split);
            Assert.Equal(count, camVid.Samples.Count);
            int loaded = 0;
            foreach (LabeledImage item in camVid.ReadAll())
            {
                Assert.Equal((480, 360), (item.Image.Width, item.Image.Height));
                Assert.Equal((480, 360), (item.Mask.Width, item.Mask.Height));
                Assert.StartsWith(Path.Combine(SharedData.CamVid, split + "annot"), item.Sample.MaskPath);
                loaded++;
            }

            Assert.Equal(count, loaded);
        }
    }

    [SharedDataFact]
    public void CamVidClassSharesAreCloseToThePublishedFigures()
    {
        var train = DatasetStatistics.Compute(CamVidDataset.Open(SharedData.CamVid, "train"));
        var val = DatasetStatistics.Compute(CamVidDataset.Open(SharedData.CamVid, "val"));
        long total = train.TotalPixels + val.TotalPixels;
        double Share(string name)
        {
            int c = SegmentationClassSet.CamVid.IndexOf(name);
            return (double)(train.PixelCounts[c] + val.PixelCounts[c]) / total;
        }

        foreach (string name in SegmentationClassSet.CamVid.ClassNames)
        {
            output.WriteLine($"{name,-11} {Share(name):F3}");
        }

        output.WriteLine($"Unlabelled  {(double)(train.IgnoredPixels + val.IgnoredPixels) / total:F3}");
        Assert.Equal(468L * 480 * 360, total);
        // The README's shares cover all splits including the held-out test split; train+val is close.
        Assert.InRange(Share("Road"), 0.25, 0.33);
        Assert.InRange(Share("Building"), 0.20, 0.28);
        Assert.InRange(Share("Sky"), 0.13, 0.19);
        Assert.InRange(Share("Bicyclist"), 0.002, 0.012);
    }

    private void CheckVoc(string split, int count, long totalPixels, long background, long ignored, Func<(int Train, int Val), int> expected)
    {
        VocDataset voc = VocDataset.Open(SharedData.Voc, split);
        Assert.Equal(count, voc.Samples.Count);

        DatasetStatistics stats = DatasetStatistics.Compute(voc);

        output.WriteLine($"VOC {split}: {stats.ImageCount} masks, {stats.TotalPixels:N0} pixels, {stats.PixelCounts[0]:N0} background, {stats.IgnoredPixels:N0} ignored");
        Assert.Equal(count, stats.ImageCount);
        Assert.Equal(totalPixels, stats.TotalPixels);
        Assert.Equal(background, stats.PixelCounts[0]);
        Assert.Equal(ignored, stats.IgnoredPixels);
        Assert.Equal(0, stats.OutOfRangePixels);
        Assert.Empty(stats.SkippedSamples);
        foreach (var (name, figures) in VocImagesPerClass)
        {
            Assert.True(expected(figures) == stats.ImagesPerClass[SegmentationClassSet.Voc2012.IndexOf(name)],
                $"{name}: expected {expected(figures)} {split} images, counted {stats.ImagesPerClass[SegmentationClassSet.Voc2012.IndexOf(name)]}");
        }
    }
}
