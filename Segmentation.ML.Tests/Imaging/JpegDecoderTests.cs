using Segmentation.ML.Imaging;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Imaging;

public sealed class JpegDecoderTests(ITestOutputHelper output)
{
    public static TheoryData<string> JpegFixtures => ImageFixtures.Names("jpeg");

    [Theory]
    [MemberData(nameof(JpegFixtures))]
    public void Decoded_pixels_match_djpeg_within_tolerance(string name)
    {
        ImageFixtures.Entry entry = ImageFixtures.Get(name);
        var options = new ImageDecoderOptions { ApplyExifOrientation = true };
        RgbImage actual = ImageDecoder.DecodeRgb(ImageFixtures.Jpeg(name), options);
        RgbImage expected = ImageDecoder.DecodeRgb(ImageFixtures.Jpeg(name, ".expected.png"));

        var (max, withinOne) = ImageFixtures.Compare(actual, expected);
        output.WriteLine($"{name}: {entry.Width}x{entry.Height} max deviation {max}, within ±1: {withinOne:P3}");
        Assert.True(max <= 2, $"{name}: max per-channel deviation from djpeg is {max} (allowed 2)");
        Assert.True(withinOne >= 0.999, $"{name}: only {withinOne:P3} of pixels are within ±1 of djpeg (need 99.9 %)");
    }
}
