using System.Text.Json.Nodes;
using Segmentation.ML.Tests.Data;
using Segmentation.ML.Tests.Imaging;

namespace Segmentation.ML.Tests.Cli;

public class DataAndImageCommandTests
{
    private static string Fixture(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    [SharedDataFact]
    public async Task DataStatsJsonReportsVocValCountsFromTheMasksAlone()
    {
        var (exit, output, error) = await Segml.RunAsync("data", "stats", "--dataset", "voc", "--data", SharedData.Voc, "--split", "val", "--json");
        Assert.True(exit == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(1449, json["images"]!.GetValue<int>());
        Assert.Equal(259_119_702, json["total_pixels"]!.GetValue<long>());
        Assert.Equal(90, json["images_per_class"]!["aeroplane"]!.GetValue<int>());
        Assert.Equal(446, json["images_per_class"]!["person"]!.GetValue<int>());
        Assert.Equal(179_546_198.0 / 259_119_702, json["pixel_share"]!["background"]!.GetValue<double>(), 5);
    }

    [Fact]
    public async Task UnknownDatasetKindIsAUsageError()
    {
        var (exit, _, error) = await Segml.RunAsync("data", "stats", "--dataset", "coco", "--data", ".");
        Assert.Equal(2, exit);
        Assert.Contains("coco", error);
    }

    [Fact]
    public async Task DataStatsListsEachSkippedSampleOnOneLineAndFailsWhenNoMaskIsUsable()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", """{ "name": "roads", "classes": ["background", "road"], "ignore": 255 }""");
        d.WriteImage("images/train/good.png", 4, 4);
        d.WriteMask("masks/train/good.png", 4, 4, [0, 1]);
        d.WriteImage("images/train/nomask.png", 4, 4);
        d.WriteImage("images/train/piped.png", 4, 4);
        if (!OperatingSystem.IsWindows()) d.MakeFifo("masks/train/piped.png");

        var (exit, output, error) = await Segml.RunAsync("data", "stats", "--dataset", "folder", "--data", d.Root, "--json");
        Assert.True(exit == 0, error);
        Assert.Equal(1, JsonNode.Parse(output)!["images"]!.GetValue<int>());
        var skipped = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, skipped.Length);
        Assert.All(skipped, line => Assert.StartsWith("skipped: roads sample '", line));
        Assert.DoesNotContain("   at ", error);
        Assert.Contains(skipped, line => line.Contains("nomask") && line.Contains("mask file not found"));

        File.Delete(d.PathOf("masks/train/good.png"));
        var (noneExit, noneOutput, noneError) = await Segml.RunAsync("data", "stats", "--dataset", "folder", "--data", d.Root);
        Assert.Equal(1, noneExit);
        Assert.Contains("3 samples were skipped", noneOutput);
        Assert.DoesNotContain("   at ", noneError);
        Assert.EndsWith($"error: None of the 3 samples of the train split of '{d.Root}' has a usable mask; see the skipped samples above.", noneError.Trim());
    }

    [Fact]
    public async Task AFolderDatasetWithoutSplitsIsReadWithAnEmptySplitAsDataReadmeDocuments()
    {
        using var d = new TempDataset();
        d.WriteText("classes.json", """{ "name": "roads", "classes": ["background", "road"], "ignore": 255 }""");
        d.WriteImage("images/a.png", 4, 4);
        d.WriteMask("masks/a.png", 4, 4, [0, 1]);
        d.WriteImage("images/b.jpg", 4, 4);
        d.WriteMask("masks/b.png", 4, 4, [1, 1]);

        var (exit, output, error) = await Segml.RunAsync("data", "stats", "--dataset", "folder", "--data", d.Root, "--split", "", "--json");
        Assert.True(exit == 0, error);
        Assert.Equal(2, JsonNode.Parse(output)!["images"]!.GetValue<int>());

        var (splitExit, _, splitError) = await Segml.RunAsync("data", "stats", "--dataset", "folder", "--data", d.Root);
        Assert.Equal(1, splitExit);
        Assert.Contains(Path.Combine(d.Root, "images", "train"), splitError);
        string readme = File.ReadAllText(Path.Combine(RepositoryFolder.Root, "data", "README.md"));
        Assert.Contains("images/train/<name>.jpg|png", readme);
        Assert.Contains("--split \"\"", readme);
    }

    [Fact]
    public async Task ImageInfoDescribesFilesAndFailsClearlyOnOthers()
    {
        string jpeg = Fixture("Imaging", "jpeg", "baseline_420_q75_500x375.jpg");
        var (exit, output, _) = await Segml.RunAsync("image", "info", "--json", jpeg);
        Assert.Equal(0, exit);
        var info = JsonNode.Parse(output)!;
        Assert.Equal(500, info["width"]!.GetValue<int>());
        Assert.Equal(375, info["height"]!.GetValue<int>());
        Assert.Equal("Jpeg", info["format"]!.GetValue<string>());

        string notAnImage = Path.Combine(AppContext.BaseDirectory, "segml.dll");
        var (badExit, _, badError) = await Segml.RunAsync("image", "info", notAnImage);
        Assert.Equal(1, badExit);
        Assert.Contains("segml.dll", badError);
        Assert.Contains("neither a PNG nor a JPEG", badError);
    }

    [Fact]
    public async Task ImageInfoRefusesAJpegDeclaringTooManyPixelsOrOneSkiaSharpCannotDecodeNamingTheFile()
    {
        string huge = Path.Combine(Path.GetTempPath(), $"segml-huge-{Guid.NewGuid():N}.jpg");
        File.WriteAllBytes(huge, SkiaSharpPhotoTests.WithDeclaredSize(File.ReadAllBytes(Fixture("Imaging", "jpeg", "baseline_420_q75_7x5.jpg")), 60000, 50000));
        try
        {
            var (exit, _, error) = await Segml.RunAsync("image", "info", huge);
            Assert.Equal(1, exit);
            Assert.StartsWith($"error: Cannot decode image '{huge}': the declared size 60000×50000 ", error);
            Assert.Contains("exceeds the limit", error);
            Assert.DoesNotContain('\n', error.Trim());
        }
        finally
        {
            File.Delete(huge);
        }

        string twelveBit = Fixture("Imaging", "jpeg", "unsupported_12bit.jpg");
        var (badExit, _, badError) = await Segml.RunAsync("image", "convert", twelveBit, Path.Combine(Path.GetTempPath(), "never-written.png"));
        Assert.Equal(1, badExit);
        Assert.Equal($"error: Cannot decode image '{twelveBit}': SkiaSharp cannot decode it (InvalidInput).", badError.Trim());
    }

    [Fact]
    public async Task ImageConvertCreatesAMissingFolderAndNamesTheOutputWhenItCannotWrite()
    {
        string png = Fixture("Imaging", "jpeg", "baseline_420_q75_7x5.jpg");
        using var d = new TempDataset();
        string nested = d.PathOf("new/deeper/out.png");
        var (exit, _, error) = await Segml.RunAsync("image", "convert", png, nested);
        Assert.True(exit == 0, error);
        Assert.Equal((7, 5), (ML.Imaging.ImageDecoder.DecodeRgb(nested).Width, ML.Imaging.ImageDecoder.DecodeRgb(nested).Height));

        if (OperatingSystem.IsWindows()) return;
        string locked = Directory.CreateDirectory(d.PathOf("locked")).FullName;
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            if (CanWriteInto(locked)) return;
            string target = Path.Combine(locked, "out.png");
            var (lockedExit, _, lockedError) = await Segml.RunAsync("image", "convert", png, target);
            Assert.Equal(1, lockedExit);
            Assert.StartsWith($"error: Cannot write {target}: ", lockedError);
            Assert.DoesNotContain("   at ", lockedError);
            Assert.Empty(Directory.GetFiles(locked));
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [IO.FullFileSystemFact]
    public async Task ImageConvertOntoAFullDiskNamesTheOutputAndLeavesNothing()
    {
        using var disk = IO.FullFileSystem.Mount();
        string target = Path.Combine(disk.Folder, "out.png");
        var (exit, _, error) = await Segml.RunAsync("image", "convert", Fixture("Imaging", "jpeg", "baseline_420_q75_500x375.jpg"), target);
        Assert.Equal(1, exit);
        Assert.StartsWith($"error: Cannot write {target}: ", error);
        Assert.Contains("No space left on device", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Empty(Directory.GetFileSystemEntries(disk.Folder));
    }

    [Fact]
    public async Task CtrlCDuringImageConvertLeavesTheWholePngOrNothingAndNoTemporaryFile()
    {
        if (OperatingSystem.IsWindows()) return;
        using var d = new TempDataset();
        var pixels = new byte[3000 * 2000 * 3];
        new Random(3).NextBytes(pixels);
        string input = d.PathOf("noise.png");
        ML.Imaging.PngEncoder.Save(new ML.Imaging.RgbImage(3000, 2000, pixels), input, new ML.Imaging.PngEncoderOptions { Compression = System.IO.Compression.CompressionLevel.Fastest });
        foreach (int delay in new[] { 100, 200, 400, 800 })
        {
            string target = d.PathOf($"out/converted-{delay}.png");
            using var segml = new SegmlProcess("image", "convert", input, target);
            await Task.Delay(delay);
            segml.Interrupt();
            var (exit, _, error) = await segml.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.DoesNotContain("   at ", error);
            if (exit == 0) Assert.Equal(3000, ML.Imaging.ImageDecoder.DecodeRgb(target).Width);
            else Assert.False(File.Exists(target), $"exit {exit} left {target}: {error}");
            if (Directory.Exists(d.PathOf("out"))) Assert.Empty(Directory.GetFiles(d.PathOf("out"), "*.tmp"));
        }
    }

    private static bool CanWriteInto(string folder)
    {
        try
        {
            string probe = Path.Combine(folder, "probe");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    [Fact]
    public async Task ImageConvertWritesAPngThatDecodesToTheSamePixels()
    {
        string jpeg = Fixture("Imaging", "jpeg", "baseline_420_q75_500x375.jpg");
        string target = Path.Combine(Path.GetTempPath(), $"segml-convert-{Guid.NewGuid():N}.png");
        try
        {
            var (exit, _, error) = await Segml.RunAsync("image", "convert", jpeg, target);
            Assert.True(exit == 0, error);
            var original = ML.Imaging.MLImages.LoadRgb(jpeg);
            var converted = ML.Imaging.ImageDecoder.DecodeRgb(target);
            Assert.Equal(original.Pixels.ToArray(), converted.Pixels.ToArray());
        }
        finally
        {
            File.Delete(target);
        }
    }
}
