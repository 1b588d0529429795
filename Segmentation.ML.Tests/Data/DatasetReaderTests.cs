using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Data;

/// <summary>Dataset readers on small synthetic folders; no shared data needed.</summary>
public sealed class DatasetReaderTests
{
    private const string RoadClasses = """{ "name": "roads", "classes": ["background", "road", "car"], "ignore": 255, "palette": [[0,0,0],[128,64,128],[64,0,128]] }""";

    [Fact]
    public void FolderDatasetListsImagesInNameOrderAndLoadsValidatedPairs()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.WriteImage("images/b.png", 6, 4);
        d.WriteImage("images/a.png", 5, 3);
        d.WriteText("images/notes.txt", "not an image");
        d.WriteMask("masks/a.png", 5, 3, [0, 1, 2, 255]);
        d.WriteMask("masks/b.png", 6, 4, [1], Palette.Voc);

        FolderDataset dataset = FolderDataset.Open(d.Root);

        Assert.Equal("roads", dataset.Classes.Name);
        Assert.Equal(["background", "road", "car"], dataset.Classes.ClassNames);
        Assert.Equal((byte)255, dataset.Classes.IgnoreValue);
        Assert.Equal(["a", "b"], dataset.Samples.Select(s => s.Id));
        LabeledImage a = dataset.Load(dataset.Samples[0]);
        Assert.Equal((5, 3), (a.Image.Width, a.Image.Height));
        Assert.Equal([0, 1, 2, 255, 0], a.Mask.Labels[..5].ToArray());
        Assert.Equal(2, dataset.ReadAll().Count());
    }

    [Fact]
    public void FolderDatasetMapsColourMasksThroughTheClassPalette()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.WriteImage("images/x.jpg.png", 3, 2);
        var colours = new RgbImage(3, 2);
        colours.SetPixel(1, 0, new Rgb24(128, 64, 128));
        colours.SetPixel(2, 1, new Rgb24(64, 0, 128));
        d.WriteBytes("masks/x.jpg.png", PngEncoder.Encode(colours));

        LabelMap mask = FolderDataset.Open(d.Root).LoadMask(FolderDataset.Open(d.Root).Samples[0]);

        Assert.Equal([0, 1, 0, 0, 0, 2], mask.Labels.ToArray());
    }

    [Fact]
    public void ColourMasksWithUnknownColoursNameTheColourAndFile()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.WriteImage("images/x.png", 2, 2);
        var colours = new RgbImage(2, 2);
        colours.SetPixel(1, 1, new Rgb24(1, 2, 3));
        string maskPath = d.WriteBytes("masks/x.png", PngEncoder.Encode(colours));
        FolderDataset dataset = FolderDataset.Open(d.Root);

        var e = Assert.Throws<DatasetException>(() => dataset.LoadMask(dataset.Samples[0]));

        Assert.Equal(DatasetProblem.UnreadableFile, e.Problem);
        Assert.Contains(maskPath, e.Message);
        Assert.Contains("colour (1, 2, 3) at (1, 1)", e.Message);
    }

    [Fact]
    public void MissingMaskSizeMismatchAndBadLabelsAreTypedErrorsNamingTheFile()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.WriteImage("images/missing.png", 4, 4);
        d.WriteImage("images/mismatch.png", 4, 4);
        d.WriteMask("masks/mismatch.png", 4, 5, [0]);
        d.WriteImage("images/outside.png", 4, 4);
        d.WriteMask("masks/outside.png", 4, 4, [0, 1, 7]);
        FolderDataset dataset = FolderDataset.Open(d.Root);
        SegmentationSample Sample(string id) => dataset.Samples.Single(s => s.Id == id);

        var missing = Assert.Throws<DatasetException>(() => dataset.Load(Sample("missing")));
        Assert.Equal((DatasetProblem.MissingFile, "missing", d.PathOf("masks/missing.png")), (missing.Problem, missing.SampleId, missing.FilePath));
        Assert.Contains("mask file not found", missing.Message);

        var mismatch = Assert.Throws<DatasetException>(() => dataset.Load(Sample("mismatch")));
        Assert.Equal(DatasetProblem.SizeMismatch, mismatch.Problem);
        Assert.Contains("is 4×5 but the image", mismatch.Message);
        Assert.Contains(d.PathOf("masks/mismatch.png"), mismatch.Message);

        var outside = Assert.Throws<DatasetException>(() => dataset.Load(Sample("outside")));
        Assert.Equal(DatasetProblem.LabelOutOfRange, outside.Problem);
        Assert.Contains("has label 7 at (2, 0); expected a class 0..2 or the ignore value 255", outside.Message);
        Assert.Contains(d.PathOf("masks/outside.png"), outside.Message);
    }

    [Fact]
    public void SkippingBadSamplesCountsAndReportsThem()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.WriteImage("images/good.png", 4, 4);
        d.WriteMask("masks/good.png", 4, 4, [0, 1]);
        d.WriteImage("images/nomask.png", 4, 4);
        d.WriteBytes("images/corrupt.png", [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        d.WriteMask("masks/corrupt.png", 4, 4, [0]);
        FolderDataset dataset = FolderDataset.Open(d.Root, options: new DatasetReadOptions { SkipInvalidSamples = true });

        LabeledImage[] read = dataset.ReadAll().ToArray();

        Assert.Equal(["good"], read.Select(r => r.Sample.Id));
        Assert.Equal(2, dataset.SkippedSamples.Count);
        Assert.Equal(
            [("corrupt", DatasetProblem.UnreadableFile), ("nomask", DatasetProblem.MissingFile)],
            dataset.SkippedSamples.Select(s => (s.Sample.Id, s.Reason.Problem)));
        Assert.Throws<DatasetException>(() => FolderDataset.Open(d.Root).ReadAll().ToArray());
    }

    [Fact]
    public async Task AFifoAsMaskOrImageIsRefusedBeforeItIsOpened()
    {
        if (OperatingSystem.IsWindows()) return;
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.MakeFifo("images/piped.png");
        d.MakeFifo("masks/piped.png");
        d.WriteImage("images/linked.png", 4, 4);
        File.CreateSymbolicLink(d.PathOf("masks/linked.png"), d.PathOf("masks/piped.png"));
        d.WriteImage("images/empty.png", 4, 4);
        d.WriteBytes("masks/empty.png", []);
        FolderDataset dataset = FolderDataset.Open(d.Root);

        var read = Task.Run(() =>
        {
            var mask = Assert.Throws<DatasetException>(() => dataset.LoadMask(dataset.Samples.Single(s => s.Id == "piped")));
            var image = Assert.Throws<DatasetException>(() => dataset.LoadImage(dataset.Samples.Single(s => s.Id == "piped")));
            var linked = Assert.Throws<DatasetException>(() => dataset.LoadMask(dataset.Samples.Single(s => s.Id == "linked")));
            var empty = Assert.Throws<DatasetException>(() => dataset.LoadMask(dataset.Samples.Single(s => s.Id == "empty")));
            var view = new DatasetDataView(dataset);
            using var cursor = view.GetRowCursor([view.Schema["ImagePath"]]);
            var imagePath = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["ImagePath"]);
            ReadOnlyMemory<char> path = default;
            while (cursor.MoveNext() && !dataset.Samples[(int)cursor.Position].Id.Equals("piped")) imagePath(ref path);
            var viewed = Assert.Throws<DatasetException>(() => imagePath(ref path));
            return (mask, image, linked, empty, viewed);
        });
        var (mask, image, linked, empty, viewed) = await read.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.All([mask, image, linked, empty, viewed], e => Assert.Equal(DatasetProblem.UnreadableFile, e.Problem));
        Assert.Equal($"roads sample 'piped': the mask {d.PathOf("masks/piped.png")} is empty or is not a regular file (a FIFO, device or socket); expected a PNG or JPEG file.", mask.Message);
        Assert.Contains(d.PathOf("images/piped.png"), image.Message);
        Assert.Contains("not a regular file", linked.Message);
        Assert.Equal(d.PathOf("images/piped.png"), viewed.FilePath);
    }

    [Fact]
    public void FolderImagesSharingOneMaskAreRefusedNamingBoth()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.WriteImage("images/a.png", 4, 4);
        d.WriteImage("images/b.png", 4, 4);
        d.WriteImage("images/b.jpg", 4, 4);
        d.WriteMask("masks/a.png", 4, 4, [0]);
        d.WriteMask("masks/b.png", 4, 4, [1]);

        var error = Assert.Throws<DatasetException>(() => FolderDataset.Open(d.Root));

        Assert.Equal(DatasetProblem.InvalidLayout, error.Problem);
        Assert.Equal("b", error.SampleId);
        Assert.Contains("the images b.jpg and b.png", error.Message);
        Assert.Contains($"share the mask {d.PathOf("masks/b.png")}", error.Message);
        Assert.Contains("keep one image per mask", error.Message);
    }

    [Fact]
    public void LabelValidationCanBeTurnedOff()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.WriteImage("images/a.png", 2, 2);
        d.WriteMask("masks/a.png", 2, 2, [9]);
        var dataset = FolderDataset.Open(d.Root, options: new DatasetReadOptions { ValidateLabels = false });

        Assert.Equal(9, dataset.LoadMask(dataset.Samples[0])[1, 1]);
        Assert.Equal(4, DatasetStatistics.Compute(dataset).OutOfRangePixels);
    }

    [Fact]
    public void FolderDatasetSplitsUseSubfolders()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", RoadClasses);
        d.WriteImage("images/train/t1.png", 2, 2);
        d.WriteMask("masks/train/t1.png", 2, 2, [1]);
        d.WriteImage("images/val/v1.png", 2, 2);

        FolderDataset train = FolderDataset.Open(d.Root, "train");

        Assert.Equal("train", train.Split);
        Assert.Equal(["t1"], train.Samples.Select(s => s.Id));
        Assert.Equal(d.PathOf("masks/val/v1.png"), FolderDataset.Open(d.Root, "val").Samples[0].MaskPath);
    }

    [Theory]
    [InlineData(null, "Class file not found")]
    [InlineData("{ \"names\": [] }", "\"classes\" array")]
    [InlineData("{ \"classes\": [\"a\", \"a\"] }", "'a' appears twice")]
    [InlineData("{ \"classes\": [\"a\", \"b\"], \"ignore\": 1 }", "also the label of class 'b'")]
    [InlineData("{ \"classes\": [\"a\", \"b\"], \"ignore\": 300 }", "label value 0..255")]
    [InlineData("{ \"classes\": [\"a\", \"b\"], \"palette\": [[0,0,0]] }", "1 colours for 2 classes")]
    [InlineData("{ \"classes\": [\"a\"], \"palette\": [[0,0]] }", "[r, g, b]")]
    [InlineData("{ \"classes\": [\"a\" ", "malformed")]
    public void ClassFileProblemsAreLayoutErrorsThatSayWhatIsWrong(string? json, string expected)
    {
        using var d = new TempDataset();
        if (json is not null)
        {
            d.WriteText("classes.json", json);
        }

        Directory.CreateDirectory(d.PathOf("images"));
        var e = Assert.Throws<DatasetException>(() => FolderDataset.Open(d.Root));

        Assert.Equal(DatasetProblem.InvalidLayout, e.Problem);
        Assert.Contains(expected, e.Message);
        Assert.Contains(d.PathOf("classes.json"), e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("VOC2012")]
    [InlineData("VOCdevkit/VOC2012")]
    public void VocAcceptsTheVoc2012FolderOrItsParents(string prefix)
    {
        using var d = new TempDataset();
        string voc = prefix.Length == 0 ? "" : prefix + "/";
        d.WriteText(voc + "ImageSets/Segmentation/train.txt", "2007_000001\n\n2007_000002\n");
        d.WriteBytes(voc + "JPEGImages/2007_000001.jpg", File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Imaging", "jpeg", "baseline_420_q75_7x5.jpg")));
        d.WriteMask(voc + "SegmentationClass/2007_000001.png", 7, 5, [0, 15, 255], Palette.Voc);

        VocDataset dataset = VocDataset.Open(d.Root);

        Assert.Equal(["2007_000001", "2007_000002"], dataset.Samples.Select(s => s.Id));
        Assert.Equal(d.PathOf(voc + "JPEGImages/2007_000002.jpg"), dataset.Samples[1].ImagePath);
        LabeledImage item = dataset.Load(dataset.Samples[0]);
        Assert.Equal((7, 5), (item.Image.Width, item.Image.Height));
        Assert.Equal([0, 15, 255], item.Mask.Labels[..3].ToArray());
        var e = Assert.Throws<DatasetException>(() => dataset.LoadImage(dataset.Samples[1]));
        Assert.Contains("image file not found", e.Message);
    }

    [Fact]
    public void VocLayoutErrorsListWhatExists()
    {
        using var d = new TempDataset();
        var notVoc = Assert.Throws<DatasetException>(() => VocDataset.Open(d.Root));
        Assert.Contains("ImageSets/Segmentation was not found", notVoc.Message);

        d.WriteText("ImageSets/Segmentation/train.txt", "a\n");
        d.WriteText("ImageSets/Segmentation/val.txt", "b\n");
        var noSplit = Assert.Throws<DatasetException>(() => VocDataset.Open(d.Root, "test"));
        Assert.Equal(DatasetProblem.InvalidLayout, noSplit.Problem);
        Assert.Contains("available splits: train, val", noSplit.Message);
    }

    [Fact]
    public void CamVidListLinesWithAForeignPrefixResolveUnderTheRoot()
    {
        using var d = new TempDataset();
        d.WriteText("CamVid/train.txt", "/SegNet/CamVid/train/a.png /SegNet/CamVid/trainannot/a.png\nC:\\SegNet\\CamVid\\train\\b.png C:\\SegNet\\CamVid\\trainannot\\b.png\n");
        d.WriteImage("CamVid/train/a.png", 4, 3);
        d.WriteMask("CamVid/trainannot/a.png", 4, 3, [0, 3, 11]);

        CamVidDataset camVid = CamVidDataset.Open(d.Root, "train");

        Assert.Equal(d.PathOf("CamVid"), camVid.Root);
        Assert.Equal(["a", "b"], camVid.Samples.Select(s => s.Id));
        Assert.Equal(d.PathOf("CamVid/trainannot/b.png"), camVid.Samples[1].MaskPath);
        Assert.Equal([0, 3, 11], camVid.Load(camVid.Samples[0]).Mask.Labels[..3].ToArray());
    }

    [Fact]
    public void CamVidWithoutAListPairsTheSplitFolders()
    {
        using var d = new TempDataset();
        d.WriteImage("val/z.png", 2, 2);
        d.WriteImage("val/y.png", 2, 2);
        d.WriteMask("valannot/y.png", 2, 2, [12]);

        CamVidDataset camVid = CamVidDataset.Open(d.Root, "val");

        Assert.Equal(["y", "z"], camVid.Samples.Select(s => s.Id));
        var e = Assert.Throws<DatasetException>(() => camVid.LoadMask(camVid.Samples[0]));
        Assert.Contains("label 12", e.Message);
        Assert.Contains("ignore value 11", e.Message);
    }
}

public class SyntheticScenesTests
{
    [Fact]
    public void GeneratedScenesOpenAsAFolderDatasetWithValidLabels()
    {
        string root = Directory.CreateTempSubdirectory("synthetic").FullName;
        try
        {
            SyntheticScenes.Generate(root, trainCount: 4, valCount: 2, width: 64, height: 48, seed: 3);
            var train = FolderDataset.Open(root, "train");
            Assert.Equal(4, train.Samples.Count);
            Assert.Equal(SyntheticScenes.Classes.ClassNames, train.Classes.ClassNames);
            var statistics = DatasetStatistics.Compute(train);
            Assert.Equal(0, statistics.OutOfRangePixels);
            Assert.True(statistics.ImagesPerClass[0] == 4 && statistics.ImagesPerClass[2] == 4, "every scene has sky and road");
            var first = train.Load(train.Samples[0]);
            Assert.Equal((64, 48), (first.Image.Width, first.Image.Height));
            Assert.Equal(2, FolderDataset.Open(root, "val").Samples.Count);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
