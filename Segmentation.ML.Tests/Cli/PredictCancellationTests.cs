using System.Diagnostics;
using System.IO.Compression;
using Segmentation.ML.Imaging;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Cli;

public sealed class PredictCancellationTests(TrainedSceneModel trained, ITestOutputHelper log) : IClassFixture<TrainedSceneModel>
{
    private const int ImageCount = 150;

    [Fact]
    public async Task CtrlCStopsPredictWithExit130LeavingOnlyCompleteFiles()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.True(trained.Training.ExitCode == 0, trained.Training.Error);
        var clock = Stopwatch.StartNew();
        string inputs = WriteNoiseImages();
        log.WriteLine($"{ImageCount} noise images written in {clock.Elapsed.TotalSeconds:F1} s.");
        string output = trained.NewFolder("interrupted");
        using var segml = new SegmlProcess("predict", "--model", trained.ModelPath, inputs, "--out", output, "--overlay");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(Directory.Exists(output) && Directory.EnumerateFiles(output, "*.overlay.png").Any()))
        {
            Assert.False(segml.HasExited, "segml ended before writing anything.");
            Assert.True(DateTime.UtcNow < deadline, "segml wrote nothing within a minute.");
            await Task.Delay(10);
        }
        clock.Restart();
        segml.Interrupt();
        var (exit, _, error) = await segml.WaitAsync(TimeSpan.FromSeconds(60));
        log.WriteLine($"segml exited {clock.Elapsed.TotalMilliseconds:F0} ms after SIGINT.");

        Assert.True(exit == 130, $"exit {exit}: {error}");
        Assert.Contains("Cancelled", error);
        var files = Directory.GetFiles(output);
        Assert.All(files, file => Assert.EndsWith(".png", file));
        var labels = files.Where(f => !f.EndsWith(".overlay.png")).ToArray();
        log.WriteLine($"{labels.Length} of {ImageCount} images were predicted before the interrupt.");
        Assert.InRange(labels.Length, 1, ImageCount - 1);
        foreach (string label in labels)
        {
            var map = ImageDecoder.DecodeLabelMap(label);
            Assert.Equal((480, 360), (map.Width, map.Height));
            var overlay = ImageDecoder.DecodeRgb(Path.ChangeExtension(label, ".overlay.png"));
            Assert.Equal((480, 360), (overlay.Width, overlay.Height));
        }
        Assert.Equal(labels.Length * 2, files.Length);
    }

    /// <summary>Copies of one noise image: slow to decode and compress, so predict runs long enough to be interrupted.</summary>
    private string WriteNoiseImages()
    {
        string folder = Directory.CreateDirectory(trained.NewFolder("noise")).FullName;
        var pixels = new byte[480 * 360 * 3];
        new Random(5).NextBytes(pixels);
        string first = Path.Combine(folder, "noise000.png");
        PngEncoder.Save(new RgbImage(480, 360, pixels), first, new PngEncoderOptions { Compression = CompressionLevel.Fastest });
        for (int i = 1; i < ImageCount; i++) File.Copy(first, Path.Combine(folder, $"noise{i:D3}.png"));
        return folder;
    }
}
