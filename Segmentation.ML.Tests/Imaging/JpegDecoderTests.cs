using Segmentation.ML.Imaging;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Imaging;

[Trait("Category", "Kernels")]
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

public sealed class JpegDecoderBehaviourTests
{
    [Theory]
    [InlineData("unsupported_arithmetic", "arithmetic-coded")]
    [InlineData("unsupported_12bit", "12-bit samples")]
    [InlineData("unsupported_lossless", "lossless JPEG")]
    [InlineData("unsupported_cmyk", "CMYK")]
    public void Unsupported_processes_are_refused_with_a_clear_reason(string name, string reason)
    {
        string path = ImageFixtures.Jpeg(name);
        var e = Assert.Throws<UnsupportedImageFeatureException>(() => ImageDecoder.DecodeRgb(path));
        Assert.Contains(reason, e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.FilePath);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(8)]
    public void Exif_orientation_is_ignored_unless_requested(int orientation)
    {
        RgbImage stored = ImageDecoder.DecodeRgb(ImageFixtures.Jpeg($"exif_orientation{orientation}_13x7"));
        RgbImage upright = ImageDecoder.DecodeRgb(ImageFixtures.Jpeg("exif_orientation1_13x7", ".expected.png"));

        Assert.Equal((13, 7), (stored.Width, stored.Height));
        Assert.Equal(upright.Pixels.ToArray(), stored.Pixels.ToArray());
        Assert.Equal(orientation, ImageDecoder.Identify(ImageFixtures.Jpeg($"exif_orientation{orientation}_13x7")).Orientation);
    }

    [Theory]
    [InlineData("baseline_420_q75_500x375", 500, 375, 3, ImageColorModel.YCbCr, false)]
    [InlineData("progressive_420_q75_64x48", 64, 48, 3, ImageColorModel.YCbCr, true)]
    [InlineData("gray_q80_33x17", 33, 17, 1, ImageColorModel.Grayscale, false)]
    [InlineData("rgb_colorspace_q90_21x13", 21, 13, 3, ImageColorModel.Rgb, false)]
    [InlineData("unsupported_12bit", 16, 16, 3, ImageColorModel.YCbCr, false)]
    public void Identify_reads_the_frame_header(string name, int width, int height, int channels, ImageColorModel model, bool progressive)
    {
        ImageInfo info = ImageDecoder.Identify(ImageFixtures.Jpeg(name));
        Assert.Equal(ImageFormat.Jpeg, info.Format);
        Assert.Equal((width, height, channels, model, progressive), (info.Width, info.Height, info.Channels, info.ColorModel, info.IsInterlaced));
        Assert.Equal(name.Contains("12bit") ? 12 : 8, info.BitDepth);
    }

    [Fact]
    public void Identify_from_memory_matches_identify_from_a_file()
    {
        string path = ImageFixtures.Jpeg("exif_orientation6_13x7");
        Assert.Equal(ImageDecoder.Identify(path), ImageDecoder.Identify(File.ReadAllBytes(path)));
    }

    [Fact]
    public void Jpeg_is_not_accepted_as_a_label_map()
    {
        var e = Assert.Throws<UnsupportedImageFeatureException>(() => ImageDecoder.DecodeLabelMap(ImageFixtures.Jpeg("gray_q80_33x17")));
        Assert.Contains("lossy", e.Message);
    }

    [Theory]
    [InlineData("baseline_420_q75_500x375")]
    [InlineData("progressive_420_q75_64x48")]
    [InlineData("restart_rows_420_q75_61x45")]
    public void Truncated_files_are_reported_as_invalid_content(string name)
    {
        byte[] data = File.ReadAllBytes(ImageFixtures.Jpeg(name));
        var e = Assert.Throws<InvalidImageContentException>(() => ImageDecoder.DecodeRgb(data.AsSpan(0, data.Length * 2 / 3)));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_baseline_file_missing_only_its_end_marker_still_decodes()
    {
        byte[] data = File.ReadAllBytes(ImageFixtures.Jpeg("baseline_420_q85_61x45"));
        RgbImage expected = ImageDecoder.DecodeRgb(data);
        RgbImage actual = ImageDecoder.DecodeRgb(data.AsSpan(0, data.Length - 2));
        Assert.Equal(expected.Pixels.ToArray(), actual.Pixels.ToArray());
    }

    [Fact]
    public void A_missing_restart_marker_is_reported()
    {
        byte[] data = File.ReadAllBytes(ImageFixtures.Jpeg("restart_rows_420_q75_61x45"));
        int sos = data.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]);
        int rst = data.AsSpan(sos).IndexOf([(byte)0xFF, (byte)0xD0]) + sos;
        data[rst + 1] = 0xC4; // turn RST0 into a DHT marker
        var e = Assert.Throws<InvalidImageContentException>(() => ImageDecoder.DecodeRgb(data));
        Assert.Contains("restart marker", e.Message);
    }

    [Fact]
    public void Huge_declared_dimensions_are_refused_before_allocating_pixels()
    {
        byte[] data = File.ReadAllBytes(ImageFixtures.Jpeg("baseline_420_q75_7x5"));
        int sof = data.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        data[sof + 5] = data[sof + 6] = data[sof + 7] = data[sof + 8] = 0xFF;

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageTooLargeException>(() => ImageDecoder.DecodeRgb(data));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((65535, 65535), (e.Width, e.Height));
        Assert.True(allocated < 1_000_000, $"{allocated} bytes were allocated before refusing the image");
    }

    [Fact]
    public void Decoding_from_memory_and_from_a_file_agree()
    {
        string path = ImageFixtures.Jpeg("pil_progressive_422_q88_57x39");
        Assert.Equal(ImageDecoder.DecodeRgb(path).Pixels.ToArray(), ImageDecoder.DecodeRgb(File.ReadAllBytes(path)).Pixels.ToArray());
    }
}
