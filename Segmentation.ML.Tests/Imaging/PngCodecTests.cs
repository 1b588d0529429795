using System.Buffers.Binary;
using Segmentation.ML.Imaging;
using Segmentation.ML.Imaging.Png;

namespace Segmentation.ML.Tests.Imaging;

[Trait("Category", "Kernels")]
public sealed class PngCodecTests
{
    public static TheoryData<string> PngFixtures => ImageFixtures.Names("png");

    [Theory]
    [MemberData(nameof(PngFixtures))]
    public void DecodesEveryColourTypeBitDepthFilterAndInterlaceToTheExpectedRgb(string name)
    {
        ImageFixtures.Entry entry = ImageFixtures.Get(name);
        RgbImage image = ImageDecoder.DecodeRgb(ImageFixtures.Png(name));

        Assert.Equal(entry.Width, image.Width);
        Assert.Equal(entry.Height, image.Height);
        Assert.Equal(File.ReadAllBytes(ImageFixtures.Png(name, ".rgb")), image.Pixels.ToArray());
    }

    [Theory]
    [MemberData(nameof(PngFixtures))]
    public void DecodesPaletteAndGrayImagesToRawLabels(string name)
    {
        string expectedPath = ImageFixtures.Png(name, ".labels");
        if (!File.Exists(expectedPath))
        {
            Assert.Throws<UnsupportedImageFeatureException>(() => ImageDecoder.DecodeLabelMap(ImageFixtures.Png(name)));
            return;
        }

        LabelMap labels = ImageDecoder.DecodeLabelMap(ImageFixtures.Png(name));
        Assert.Equal(File.ReadAllBytes(expectedPath), labels.Labels.ToArray());
    }

    [Theory]
    [MemberData(nameof(PngFixtures))]
    public void IdentifyReportsTheHeaderWithoutDecoding(string name)
    {
        ImageFixtures.Entry entry = ImageFixtures.Get(name);
        ImageInfo info = ImageDecoder.Identify(ImageFixtures.Png(name));

        Assert.Equal(ImageFormat.Png, info.Format);
        Assert.Equal((entry.Width, entry.Height), (info.Width, info.Height));
        Assert.Equal(entry.Int("bd"), info.BitDepth);
        Assert.Equal(entry.Int("interlace") == 1, info.IsInterlaced);
        Assert.Equal(entry.Int("ct") switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 }, info.Channels);
    }

    [Fact]
    public void AFailedSaveNamesTheOutputAndLeavesNoTemporaryFile()
    {
        string folder = Directory.CreateTempSubdirectory("segml-png-").FullName;
        try
        {
            string target = Directory.CreateDirectory(Path.Combine(folder, "taken.png")).FullName;

            var error = Assert.Throws<IOException>(() => PngEncoder.Save(new RgbImage(2, 2), target));

            Assert.StartsWith($"Cannot write {target}: ", error.Message);
            Assert.Contains("nothing was left behind", error.Message);
            Assert.Equal([target], Directory.GetFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void RgbImagesRoundTripExactly()
    {
        RgbImage image = SyntheticRgb(37, 23, seed: 1);
        RgbImage decoded = ImageDecoder.DecodeRgb(PngEncoder.Encode(image));
        Assert.Equal(image.Pixels.ToArray(), decoded.Pixels.ToArray());
    }

    [Fact]
    public void RgbaBuffersEncodeAndDecodeWithAlphaDropped()
    {
        var rgba = new byte[5 * 3 * 4];
        new Random(2).NextBytes(rgba);
        RgbImage decoded = ImageDecoder.DecodeRgb(PngEncoder.EncodeRgba(rgba, 5, 3));
        for (int i = 0; i < 15; i++)
        {
            Assert.Equal(rgba.AsSpan(4 * i, 3).ToArray(), decoded.Pixels.Slice(3 * i, 3).ToArray());
        }
    }

    [Fact]
    public void LabelMapsRoundTripThroughAVocPalettePng()
    {
        LabelMap labels = SyntheticLabels(41, 29, classes: 21, ignore: 255);
        byte[] png = PngEncoder.Encode(labels, Palette.Voc);

        Assert.Equal(ImageColorModel.Indexed, ImageDecoder.Identify(png).ColorModel);
        Assert.Equal(labels.Labels.ToArray(), ImageDecoder.DecodeLabelMap(png).Labels.ToArray());
        Assert.Equal(Palette.Voc.Colorize(labels).Pixels.ToArray(), ImageDecoder.DecodeRgb(png).Pixels.ToArray());
    }

    [Fact]
    public void LabelMapsWithoutPaletteRoundTripAsGray()
    {
        LabelMap labels = SyntheticLabels(30, 17, classes: 11, ignore: 11);
        byte[] png = PngEncoder.Encode(labels);

        Assert.Equal(ImageColorModel.Grayscale, ImageDecoder.Identify(png).ColorModel);
        Assert.Equal(labels.Labels.ToArray(), ImageDecoder.DecodeLabelMap(png).Labels.ToArray());
    }

    [Fact]
    public void EncodingLabelsBeyondAShortPaletteNamesTheLabelAndPosition()
    {
        var labels = new LabelMap(4, 2);
        labels[3, 1] = 9;
        var palette = new Palette([new Rgb24(0, 0, 0), new Rgb24(255, 0, 0)]);

        var e = Assert.Throws<ArgumentException>(() => PngEncoder.Encode(labels, palette));
        Assert.Contains("Label 9 at (3, 1)", e.Message);
    }

    [Fact]
    public void SaveReplacesTheTargetAtomicallyAndLeavesNoTemporaryFiles()
    {
        string dir = Directory.CreateTempSubdirectory("segml-png-").FullName;
        try
        {
            string path = Path.Combine(dir, "mask.png");
            File.WriteAllText(path, "old content");
            LabelMap labels = SyntheticLabels(9, 7, classes: 21, ignore: 255);

            PngEncoder.Save(labels, path, Palette.Voc);

            Assert.Equal(labels.Labels.ToArray(), ImageDecoder.DecodeLabelMap(path).Labels.ToArray());
            Assert.Equal(["mask.png"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ACrcMismatchIsReportedWithTheFileNameAndChunk()
    {
        byte[] png = PngEncoder.Encode(SyntheticRgb(8, 8, seed: 3));
        png[^20] ^= 0x40; // inside the IDAT payload
        string path = WriteTemp(png);
        try
        {
            var e = Assert.Throws<InvalidImageContentException>(() => ImageDecoder.DecodeRgb(path));
            Assert.Equal(path, e.FilePath);
            Assert.Contains(path, e.Message);
            Assert.Contains("CRC mismatch in chunk 'IDAT'", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DamagedZlibDataIsReportedAsDamageNotAsAnUnsupportedCompressionMethod()
    {
        byte[] badHeader = PngEncoder.Encode(SyntheticRgb(8, 8, seed: 5));
        EditIdat(badHeader, payload => payload[1] ^= 0x01);
        var header = Assert.Throws<InvalidImageContentException>(() => ImageDecoder.DecodeRgb(badHeader));
        Assert.Contains("zlib header", header.Message);
        Assert.Contains("corrupt", header.Message);

        byte[] badBlock = PngEncoder.Encode(SyntheticRgb(8, 8, seed: 5));
        EditIdat(badBlock, payload => payload[2] |= 0b110); // block type 3, which deflate reserves
        var block = Assert.Throws<InvalidImageContentException>(() => ImageDecoder.DecodeRgb(badBlock));
        Assert.Contains("compressed image data (zlib) is damaged", block.Message);

        foreach (var error in new[] { header, block })
            Assert.DoesNotContain("unsupported compression method", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ATruncatedFileIsReportedAsInvalidContent()
    {
        byte[] png = PngEncoder.Encode(SyntheticRgb(16, 16, seed: 4));
        var e = Assert.Throws<InvalidImageContentException>(() => ImageDecoder.DecodeRgb(png.AsSpan(0, png.Length - 30)));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void UnknownDataIsRefusedWithTheFileName()
    {
        string path = WriteTemp("GIF89a......"u8.ToArray());
        try
        {
            var e = Assert.Throws<UnknownImageFormatException>(() => ImageDecoder.DecodeRgb(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("neither a PNG nor a JPEG", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ColourPngsAreNotLabelMaps()
    {
        var e = Assert.Throws<UnsupportedImageFeatureException>(() => ImageDecoder.DecodeLabelMap(PngEncoder.Encode(SyntheticRgb(3, 3, 5))));
        Assert.Contains("Palette.ToLabelMap", e.Message);
    }

    [Fact]
    public void HugeDeclaredDimensionsAreRefusedBeforeAllocatingPixels()
    {
        byte[] png = PngEncoder.Encode(SyntheticRgb(4, 4, seed: 6));
        SetDimensions(png, 100_000, 100_000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageTooLargeException>(() => ImageDecoder.DecodeRgb(png));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(100_000, e.Width);
        Assert.True(allocated < 1_000_000, $"{allocated} bytes were allocated before refusing the image");
        Assert.Throws<ImageTooLargeException>(() => ImageDecoder.DecodeRgb(PngEncoder.Encode(SyntheticRgb(20, 20, 7)), new ImageDecoderOptions { MaxPixels = 399 }));
    }

    [Fact]
    public void FastUnfilteringMatchesTheReferenceForEveryFilterWidthAndPixelSize()
    {
        var random = new Random(7);
        for (int filter = 0; filter < 5; filter++)
        {
            for (int bpp = 1; bpp <= 8; bpp++)
            {
                for (int length = 0; length <= 70; length++)
                {
                    var row = new byte[length];
                    var prior = new byte[length];
                    random.NextBytes(row);
                    random.NextBytes(prior);
                    byte[] expected = (byte[])row.Clone();
                    PngFilters.UnfilterReference(filter, expected, prior, bpp);
                    PngFilters.Unfilter(filter, row, prior, bpp);
                    Assert.Equal(expected, row);

                    var filtered = new byte[length];
                    PngFilters.Filter(filter, expected, prior, bpp, filtered);
                    PngFilters.Unfilter(filter, filtered, prior, bpp);
                    Assert.Equal(expected, filtered);
                }
            }
        }
    }

    [Fact]
    public void PngCrcMatchesTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }

    internal static RgbImage SyntheticRgb(int width, int height, int seed)
    {
        var image = new RgbImage(width, height);
        var random = new Random(seed);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image.SetPixel(x, y, new Rgb24((byte)(x * 7 + y), (byte)(random.Next(16) + y * 5), (byte)((x ^ y) * 3)));
            }
        }

        return image;
    }

    internal static LabelMap SyntheticLabels(int width, int height, int classes, byte ignore)
    {
        var labels = new LabelMap(width, height);
        var random = new Random(width * 31 + height);
        for (int i = 0; i < labels.Labels.Length; i++)
        {
            labels.Labels[i] = random.Next(10) == 0 ? ignore : (byte)(i / 13 % classes);
        }

        return labels;
    }

    internal static void SetDimensions(byte[] png, int width, int height)
    {
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32.Compute(png.AsSpan(12, 17)));
    }

    /// <summary>Changes the first IDAT chunk's payload in place and fixes its CRC, so only the zlib data is damaged.</summary>
    private static void EditIdat(byte[] png, Action<Span<byte>> edit)
    {
        int offset = 8;
        while (BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 4)) != 0x49444154)
            offset += 12 + BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
        int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
        edit(png.AsSpan(offset + 8, length));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(offset + 8 + length), Crc32.Compute(png.AsSpan(offset + 4, length + 4)));
    }

    private static string WriteTemp(byte[] content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"segml-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, content);
        return path;
    }
}
