using BenchmarkDotNet.Attributes;
using Segmentation.ML.Imaging;

namespace Segmentation.Benchmarks.Imaging;

/// <summary>
/// Single-image decode speed: the 500×375 baseline 4:2:0 JPEG fixture (VOC image size) with SkiaSharp,
/// as the library decodes photos, and with the library's own PNG decoder a 480×360 RGB PNG (CamVid frame
/// size) generated deterministically, plus a real CamVid frame when the shared data is present.
/// Targets: ≤ 10 ms each on one core.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private byte[] jpeg = [];
    private byte[] png = [];
    private byte[] camVidPng = [];

    /// <summary>Loads the inputs; no shared data is needed except for the CamVid case.</summary>
    [GlobalSetup]
    public void Setup()
    {
        jpeg = File.ReadAllBytes(BenchmarkInputs.JpegFixture);
        png = DecodeThroughput.CreateSamplePng(480, 360);
        camVidPng = BenchmarkInputs.CamVidFrame is { } frame ? File.ReadAllBytes(frame) : png;
    }

    /// <summary>500×375 baseline 4:2:0 JPEG, quality 75, decoded with SkiaSharp.</summary>
    [Benchmark]
    public RgbImage Jpeg500x375() => MLImages.DecodeRgb(jpeg);

    /// <summary>480×360 RGB PNG from <see cref="DecodeThroughput.CreateSamplePng"/>.</summary>
    [Benchmark]
    public RgbImage Png480x360() => ImageDecoder.DecodeRgb(png);

    /// <summary>A real CamVid frame (falls back to the synthetic PNG without shared data).</summary>
    [Benchmark]
    public RgbImage CamVidPng480x360() => ImageDecoder.DecodeRgb(camVidPng);
}

/// <summary>Finds benchmark inputs relative to the repository, so the suite runs from any output folder.</summary>
internal static class BenchmarkInputs
{
    private static readonly string? RepositoryRoot = Ancestors().FirstOrDefault(d => File.Exists(Path.Combine(d, "Segmentation.sln")));

    /// <summary>The committed 500×375 JPEG test fixture.</summary>
    public static string JpegFixture =>
        Path.Combine(RepositoryRoot ?? throw new DirectoryNotFoundException("Run the benchmarks from inside the repository (Segmentation.sln not found above " + AppContext.BaseDirectory + ")."),
            "Segmentation.ML.Tests", "Fixtures", "Imaging", "jpeg", "baseline_420_q75_500x375.jpg");

    /// <summary>A CamVid training frame from the shared data, or null when absent.</summary>
    public static string? CamVidFrame => Ancestors()
        .Select(d => Path.Combine(d, "shared", "data", "camvid", "train"))
        .Where(Directory.Exists)
        .SelectMany(d => Directory.EnumerateFiles(d, "*.png").Order(StringComparer.Ordinal).Take(1))
        .FirstOrDefault();

    private static IEnumerable<string> Ancestors()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            yield return dir.FullName;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            yield return dir.FullName;
        }
    }
}
