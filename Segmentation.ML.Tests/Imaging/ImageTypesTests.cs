using System.Buffers.Binary;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Imaging.Png;

namespace Segmentation.ML.Tests.Imaging;

public sealed class ImageTypesTests
{
    [Fact]
    public void ImageBuffersMustMatchTheDeclaredSize()
    {
        var e = Assert.Throws<ArgumentException>(() => new RgbImage(4, 3, new byte[35]));
        Assert.Contains("needs 36 bytes", e.Message);
        Assert.Throws<ArgumentException>(() => new LabelMap(4, 3, new byte[11]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbImage(0, 3));
    }

    [Fact]
    public void PixelsAreRowMajorInterleavedRgb()
    {
        var image = new RgbImage(3, 2);
        image.SetPixel(2, 1, new Rgb24(10, 20, 30));

        Assert.Equal([10, 20, 30], image.Pixels[15..18].ToArray());
        Assert.Equal([0, 0, 0, 0, 0, 0, 10, 20, 30], image.GetRow(1).ToArray());
        Assert.Equal(new Rgb24(10, 20, 30), image.GetPixel(2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.GetPixel(3, 0));
    }

    [Fact]
    public void VocPaletteIsTheDevkitBitInterleavingPalette()
    {
        Assert.Equal(256, Palette.Voc.Count);
        Assert.Equal(new Rgb24(0, 0, 0), Palette.Voc[0]);
        Assert.Equal(new Rgb24(128, 0, 0), Palette.Voc[1]);
        Assert.Equal(new Rgb24(0, 128, 0), Palette.Voc[2]);
        Assert.Equal(new Rgb24(192, 128, 128), Palette.Voc[15]);
        Assert.Equal(new Rgb24(0, 64, 128), Palette.Voc[20]);
        Assert.Equal(new Rgb24(224, 224, 192), Palette.Voc[255]);
        Assert.True(Palette.Voc.TryGetIndex(new Rgb24(192, 128, 128), out byte person));
        Assert.Equal(15, person);
        Assert.False(Palette.Voc.TryGetIndex(new Rgb24(1, 2, 3), out _));
    }

    [Fact]
    public void CamVidClassesUseTheSegnetColoursWithUnlabelledIgnored()
    {
        SegmentationClassSet camVid = SegmentationClassSet.CamVid;
        Assert.Equal(11, camVid.ClassCount);
        Assert.Equal((byte)11, camVid.IgnoreValue);
        Assert.Equal(new Rgb24(128, 64, 128), camVid.Palette![camVid.IndexOf("Road")]);
        Assert.Equal(new Rgb24(0, 0, 0), camVid.Palette[11]);
        Assert.True(camVid.IsValidLabel(11));
        Assert.False(camVid.IsValidLabel(12));
        Assert.Equal(21, SegmentationClassSet.Voc2012.ClassCount);
        Assert.Equal("tvmonitor", SegmentationClassSet.Voc2012.ClassNames[20]);
    }

    [Fact]
    public void PngExifOrientationIsAppliedOnRequest()
    {
        RgbImage stored = PngCodecTests.SyntheticRgb(5, 3, seed: 8);
        byte[] png = WithExifOrientation(PngEncoder.Encode(stored), 6);

        Assert.Equal(6, ImageDecoder.Identify(png).Orientation);
        RgbImage asStored = ImageDecoder.DecodeRgb(png);
        RgbImage upright = ImageDecoder.DecodeRgb(png, new ImageDecoderOptions { ApplyExifOrientation = true });

        Assert.Equal((5, 3), (asStored.Width, asStored.Height));
        Assert.Equal((3, 5), (upright.Width, upright.Height));
        Assert.Equal(stored.GetPixel(0, 2), upright.GetPixel(0, 0)); // 90° clockwise: bottom-left goes to top-left
        Assert.Equal(stored.GetPixel(4, 0), upright.GetPixel(2, 4));
    }

    [Fact]
    public void ThroughputMeasurementReportsConsistentFigures()
    {
        byte[] png = DecodeThroughput.CreateSamplePng(64, 48);
        DecodeThroughputResult result = DecodeThroughput.Measure(png, TimeSpan.FromMilliseconds(20), minimumIterations: 3, warmup: TimeSpan.Zero);

        Assert.Equal((ImageFormat.Png, 64, 48, png.Length), (result.Format, result.Width, result.Height, (int)result.EncodedBytes));
        Assert.True(result.Iterations >= 3);
        Assert.Equal(1000 / result.MillisecondsPerImage, result.ImagesPerSecond, 6);
        Assert.Equal(png.Length * result.ImagesPerSecond / 1e6, result.EncodedMegabytesPerSecond, 6);
        Assert.Equal(DecodeThroughput.CreateSamplePng(64, 48), png);
    }

    [Fact]
    public void ThroughputOfAJpegIsMeasuredWithSkiasharp()
    {
        byte[] jpeg = File.ReadAllBytes(ImageFixtures.Jpeg("baseline_420_q75_500x375"));
        DecodeThroughputResult result = DecodeThroughput.Measure(jpeg, TimeSpan.FromMilliseconds(20), minimumIterations: 2, warmup: TimeSpan.Zero);

        Assert.Equal((ImageFormat.Jpeg, 500, 375, jpeg.Length), (result.Format, result.Width, result.Height, (int)result.EncodedBytes));
        Assert.True(result.Iterations >= 2);
    }

    private static byte[] WithExifOrientation(byte[] png, int orientation)
    {
        byte[] tiff = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, 0, 0, 0, 0, 0, 0];
        var chunk = new byte[tiff.Length + 12];
        BinaryPrimitives.WriteInt32BigEndian(chunk, tiff.Length);
        "eXIf"u8.CopyTo(chunk.AsSpan(4));
        tiff.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + tiff.Length), Crc32.Compute(chunk.AsSpan(4, tiff.Length + 4)));
        return [.. png.AsSpan(0, 33), .. chunk, .. png.AsSpan(33)];
    }
}
