using Segmentation.ML.Imaging;
using Segmentation.ML.Onnx;
using Segmentation.ML.Transforms;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>Test-time augmentation: scores at several scales and of the mirror image, summed at the image's size.</summary>
public sealed class TestTimeAugmentationTests(HypercolumnModelFiles hypercolumns, PixelPriorModelFiles prior)
    : IClassFixture<HypercolumnModelFiles>, IClassFixture<PixelPriorModelFiles>, IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("segml-tta-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void MirroringIsFlipEquivariantAtEveryScale()
    {
        using var model = Load(hypercolumns.Original);
        var image = hypercolumns.Image;
        var augmentation = new TestTimeAugmentation { Mirror = true, Scales = [0.75, 1, 1.5] };
        var labels = model.Predict(image, augmentation).Labels.ToArray();
        var ofMirror = model.Predict(Mirror(image), augmentation);
        var mirroredBack = ImageOps.Crop(ofMirror, 0, 0, ofMirror.Height, ofMirror.Width, flip: true).Labels.ToArray();
        int same = labels.Zip(mirroredBack).Count(pair => pair.First == pair.Second);
        // Exact but for rounding in a few pixels where two classes' sums tie.
        Assert.True(same >= labels.Length * 999 / 1000, $"{labels.Length - same} of {labels.Length} pixels differ");
    }

    [Fact]
    public void ScalesLineUpWithTheImage()
    {
        // The pixel prior scores by position alone: at any scale, resized back, its scores land where they were.
        using var model = Load(prior.Original);
        var plain = model.Predict(prior.Image).Labels.ToArray();
        var scaled = model.Predict(prior.Image, new TestTimeAugmentation { Scales = [0.5, 1, 2] }).Labels.ToArray();
        int same = plain.Zip(scaled).Count(pair => pair.First == pair.Second);
        Assert.True(same >= plain.Length * 97 / 100, $"{plain.Length - same} of {plain.Length} pixels differ");

        using var hypercolumnModel = Load(hypercolumns.Original);
        var image = new RgbImage(45, 31);
        var odd = hypercolumnModel.Predict(image, new TestTimeAugmentation { Mirror = true, Scales = [0.7, 1.3] });
        Assert.Equal((45, 31), (odd.Width, odd.Height));
    }

    [Fact]
    public void ScalesAreParsedAndCheckedWithClearErrors()
    {
        Assert.Equal([0.75, 1, 1.25], TestTimeAugmentation.ParseScales("0.75, 1,1.25"));
        Assert.Contains("'x' in the scales '1,x' is not a number", Assert.Throws<FormatException>(() => TestTimeAugmentation.ParseScales("1,x")).Message);
        Assert.Contains("Scale 0.1 is outside 0.25…4", Assert.Throws<ArgumentException>(() => TestTimeAugmentation.ParseScales("0.1")).Message);
        Assert.Contains("A scale is repeated", Assert.Throws<ArgumentException>(() => TestTimeAugmentation.ParseScales("1,1")).Message);
        Assert.Contains("at least one scale", Assert.Throws<ArgumentException>(() => TestTimeAugmentation.ParseScales("")).Message);
        Assert.Equal(6, new TestTimeAugmentation { Mirror = true, Scales = [0.75, 1, 1.25] }.Runs);
    }

    private SegmentationModel Load(byte[] zip)
    {
        string path = Path.Combine(folder, $"{Guid.NewGuid():N}.zip");
        File.WriteAllBytes(path, zip);
        return SegmentationModel.Load(path);
    }

    private static RgbImage Mirror(RgbImage image) => ImageOps.Crop(image, 0, 0, image.Height, image.Width, flip: true);
}
