using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Imaging;

/// <summary><see cref="ImageDecoder.Identify(string)"/> on JPEGs: the frame header read without decoding.</summary>
public sealed class JpegHeaderTests
{
    [Theory]
    [InlineData("baseline_420_q75_500x375", 500, 375, 3, ImageColorModel.YCbCr, false)]
    [InlineData("progressive_420_q75_64x48", 64, 48, 3, ImageColorModel.YCbCr, true)]
    [InlineData("gray_q80_33x17", 33, 17, 1, ImageColorModel.Grayscale, false)]
    [InlineData("rgb_colorspace_q90_21x13", 21, 13, 3, ImageColorModel.Rgb, false)]
    [InlineData("unsupported_cmyk", 16, 16, 4, ImageColorModel.Cmyk, false)]
    [InlineData("unsupported_12bit", 16, 16, 3, ImageColorModel.YCbCr, false)]
    public void IdentifyReadsTheFrameHeader(string name, int width, int height, int channels, ImageColorModel model, bool progressive)
    {
        ImageInfo info = ImageDecoder.Identify(ImageFixtures.Jpeg(name));
        Assert.Equal(ImageFormat.Jpeg, info.Format);
        Assert.Equal((width, height, channels, model, progressive), (info.Width, info.Height, info.Channels, info.ColorModel, info.IsInterlaced));
        Assert.Equal(name.Contains("12bit") ? 12 : 8, info.BitDepth);
    }

    [Fact]
    public void IdentifyFromMemoryMatchesIdentifyFromAFile()
    {
        string path = ImageFixtures.Jpeg("exif_orientation6_13x7");
        Assert.Equal(ImageDecoder.Identify(path), ImageDecoder.Identify(File.ReadAllBytes(path)));
    }

    [Fact]
    public void EveryCutOfAHeaderIsIdentifiedOrReportedAsInvalidContent()
    {
        byte[] data = File.ReadAllBytes(ImageFixtures.Jpeg("exif_orientation6_13x7"));
        ImageInfo whole = ImageDecoder.Identify(data);
        int sos = data.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]);
        for (int length = 3; length <= sos; length++)
        {
            byte[] cut = data[..length];
            var error = Record.Exception(() => Assert.Equal(whole, ImageDecoder.Identify(cut)));
            Assert.True(error is null or InvalidImageContentException, $"cut after {length} bytes: {error}");
        }
    }

    [Fact]
    public void JpegIsNotAcceptedAsALabelMap()
    {
        var e = Assert.Throws<UnsupportedImageFeatureException>(() => ImageDecoder.DecodeLabelMap(ImageFixtures.Jpeg("gray_q80_33x17")));
        Assert.Contains("lossy", e.Message);
    }
}
