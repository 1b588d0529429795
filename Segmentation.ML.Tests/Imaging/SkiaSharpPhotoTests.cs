using Microsoft.ML.Data;
using Segmentation.ML.Imaging;
using SkiaSharp;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Imaging;

/// <summary>
/// Photos decoded with SkiaSharp (<see cref="MLImages"/>, the decoder of ML.NET's LoadImages) against the fixtures:
/// every JPEG equals libjpeg-turbo's djpeg, PNGs equal the library's own decoder up to premultiplied alpha,
/// and the size limit holds before decoding.
/// </summary>
public sealed class SkiaSharpPhotoTests(ITestOutputHelper output)
{
    public static TheoryData<string> JpegFixtures => ImageFixtures.Names("jpeg");

    public static TheoryData<string> PngFixtures => ImageFixtures.Names("png");

    /// <summary>
    /// Baseline, progressive (custom scripts too), non-interleaved, 4:4:4/4:2:2/4:2:0/4:4:0/4:1:1, gray, RGB colour
    /// space, restart intervals, 16-bit tables, 1×1 to 500×375, Pillow-written, EXIF-oriented: all bit-identical to djpeg.
    /// </summary>
    [Theory]
    [MemberData(nameof(JpegFixtures))]
    public void EveryJpegFixtureDecodesExactlyAsDjpegDoes(string name)
    {
        string path = ImageFixtures.Jpeg(name);
        RgbImage upright = MLImages.LoadRgb(path, new ImageDecoderOptions { ApplyExifOrientation = true });
        RgbImage expected = ImageDecoder.DecodeRgb(ImageFixtures.Jpeg(name, ".expected.png"));

        var (max, _) = ImageFixtures.Compare(upright, expected);
        output.WriteLine($"{name}: max deviation from djpeg {max}");
        Assert.True(max == 0, $"{name}: SkiaSharp differs from djpeg by up to {max}");
        using var image = MLImage.CreateFromFile(path);
        Assert.Equal(MLImages.ToRgb(image).Pixels.ToArray(), MLImages.LoadRgb(path).Pixels.ToArray());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(8)]
    public void ExifOrientationIsLeftToTheCallerAsInLoadImages(int orientation)
    {
        string path = ImageFixtures.Jpeg($"exif_orientation{orientation}_13x7");
        RgbImage stored = MLImages.LoadRgb(path);
        RgbImage storedPixels = ImageDecoder.DecodeRgb(ImageFixtures.Jpeg("exif_orientation1_13x7", ".expected.png"));

        Assert.Equal((13, 7), (stored.Width, stored.Height));
        Assert.Equal(storedPixels.Pixels.ToArray(), stored.Pixels.ToArray());
        using var codec = SKCodec.Create(path);
        Assert.Equal(orientation, (int)codec.EncodedOrigin);
        Assert.Equal(orientation, ImageDecoder.Identify(path).Orientation);
    }

    /// <summary>Opaque PNGs decode identically; with alpha, SkiaSharp's colours agree but LoadImages premultiplies them.</summary>
    [Theory]
    [MemberData(nameof(PngFixtures))]
    public void PngFixturesDecodeAsThePngDecoderDoesWithAlphaPremultiplied(string name)
    {
        string path = ImageFixtures.Png(name);
        RgbImage ours = ImageDecoder.DecodeRgb(path);
        RgbImage skia = MLImages.LoadRgb(path);
        using var codec = SKCodec.Create(path);
        if (codec.Info.AlphaType == SKAlphaType.Opaque)
        {
            Assert.Equal(ours.Pixels.ToArray(), skia.Pixels.ToArray());
            return;
        }

        var straightInfo = new SKImageInfo(ours.Width, ours.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var straight = new SKBitmap(straightInfo);
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(straightInfo, straight.GetPixels()));
        ReadOnlySpan<byte> rgba = straight.GetPixelSpan(), rgb = ours.Pixels, premultiplied = skia.Pixels;
        for (int p = 0; p < ours.Width * ours.Height; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(rgb[3 * p + c], rgba[4 * p + c]);
                Assert.InRange(premultiplied[3 * p + c] - rgb[3 * p + c] * rgba[4 * p + 3] / 255.0, -1, 1);
            }
        }
    }

    [Theory]
    [InlineData("unsupported_12bit")]
    [InlineData("unsupported_lossless")]
    public void JpegsSkiasharpCannotDecodeAreRefusedNamingTheFile(string name)
    {
        string path = ImageFixtures.Jpeg(name);
        var e = Assert.Throws<InvalidImageContentException>(() => MLImages.LoadRgb(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        Assert.Contains("SkiaSharp cannot decode it", e.Message);
    }

    [Theory]
    [InlineData("unsupported_arithmetic")]
    [InlineData("unsupported_cmyk")]
    public void ArithmeticCodedAndCmykJpegsDecode(string name)
    {
        RgbImage image = MLImages.LoadRgb(ImageFixtures.Jpeg(name));
        Assert.Equal((16, 16), (image.Width, image.Height));
    }

    [Fact]
    public void HugeDeclaredDimensionsAreRefusedFromTheHeaderBeforeDecoding()
    {
        byte[] data = WithDeclaredSize(File.ReadAllBytes(ImageFixtures.Jpeg("baseline_420_q75_7x5")), 60000, 50000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageTooLargeException>(() => MLImages.DecodeRgb(data));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((60000, 50000, ImageDecoderOptions.Default.MaxPixels), (e.Width, e.Height, e.MaxPixels));
        Assert.True(allocated < 1_000_000, $"{allocated} bytes were allocated before refusing the image");
    }

    [Fact]
    public void TheSizeLimitCountsWidthTimesHeight()
    {
        string path = ImageFixtures.Jpeg("baseline_420_q75_7x5");
        var e = Assert.Throws<ImageTooLargeException>(() => MLImages.LoadRgb(path, new ImageDecoderOptions { MaxPixels = 34 }));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(7, MLImages.LoadRgb(path, new ImageDecoderOptions { MaxPixels = 35 }).Width);
    }

    [Fact]
    public void AFileCutShortIsRefusedWhereLoadImagesWouldFillItsMissingRowsWithGray()
    {
        byte[] data = File.ReadAllBytes(ImageFixtures.Jpeg("baseline_420_q85_61x45"));
        byte[] cut = data[..(data.Length * 2 / 3)];
        using (var filled = Microsoft.ML.Data.MLImage.CreateFromStream(new MemoryStream(cut)))
            Assert.Equal((61, 45), (filled.Width, filled.Height));

        var error = Assert.Throws<InvalidImageContentException>(() => MLImages.DecodeRgb(cut));
        Assert.Contains("truncated file", error.Message);
        Assert.Equal((61, 45), (MLImages.DecodeRgb(data).Width, MLImages.DecodeRgb(data).Height));
    }

    [Fact]
    public void AJpegDeclaringMorePixelsThanItsBytesCanHoldIsRefusedBeforeDecoding()
    {
        byte[] small = File.ReadAllBytes(ImageFixtures.Jpeg("baseline_420_q75_7x5"));
        var error = Assert.Throws<InvalidImageContentException>(() => MLImages.DecodeRgb(WithDeclaredSize(small, 9000, 9000)));
        Assert.Contains($"declares 9000×9000 pixels, more than a JPEG of {small.Length:N0} bytes can hold", error.Message);

        // The bound is loose enough for real photos: the smallest fixture per pixel is far inside it.
        var fixtures = Directory.GetFiles(Path.GetDirectoryName(ImageFixtures.Jpeg("baseline_420_q75_7x5"))!, "*.jpg");
        foreach (string file in fixtures)
        {
            var info = ImageDecoder.Identify(File.ReadAllBytes(file));
            long pixels = (long)info.Width * info.Height, bytes = new FileInfo(file).Length;
            Assert.True(pixels < MLImages.JpegPixelsPerByte * bytes / 8, $"{Path.GetFileName(file)}: {pixels} pixels in {bytes} bytes");
        }
    }

    [Fact]
    public void DataInNoImageFormatIsAnUnknownFormat()
    {
        Assert.Throws<UnknownImageFormatException>(() => MLImages.DecodeRgb("not an image at all"u8.ToArray()));
    }

    [Fact]
    public void ThePngDecoderSendsJpegsToSkiasharp()
    {
        var e = Assert.Throws<UnsupportedImageFeatureException>(() => ImageDecoder.DecodeRgb(ImageFixtures.Jpeg("baseline_420_q75_7x5")));
        Assert.Contains("MLImages.LoadRgb", e.Message);
    }

    /// <summary>
    /// The JPEG with its frame header (the first SOF0, SOF1 or SOF2 marker) rewritten to declare <paramref name="width"/> ×
    /// <paramref name="height"/>; unchanged when it has none.
    /// </summary>
    internal static byte[] WithDeclaredSize(byte[] jpeg, int width, int height)
    {
        byte[] data = (byte[])jpeg.Clone();
        int sof = -1;
        for (int p = 2; p + 1 < data.Length && sof < 0; p++)
            if (data[p] == 0xFF && data[p + 1] is 0xC0 or 0xC1 or 0xC2) sof = p;
        if (sof < 0 || sof + 9 > data.Length) return data;
        data[sof + 5] = (byte)(height >> 8);
        data[sof + 6] = (byte)height;
        data[sof + 7] = (byte)(width >> 8);
        data[sof + 8] = (byte)width;
        return data;
    }
}
