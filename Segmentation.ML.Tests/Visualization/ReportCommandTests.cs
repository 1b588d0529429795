using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tests.Cli;
using Segmentation.ML.Tests.Data;
using Segmentation.ML.Visualization;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>
/// <c>segml evaluate --report DIR</c> in a child process: the folder it writes, its refusal of a folder of other files,
/// the page in a real browser, and the CamVid val report.
/// </summary>
public sealed partial class ReportCommandTests(TrainedSceneModel trained) : IClassFixture<TrainedSceneModel>
{
    private SegmentationClassSet SceneClasses => SegmentationClassSet.Load(Path.Combine(trained.Data.Root, "classes.json"));

    private async Task<string> WriteReportAsync(int examples)
    {
        Assert.True(trained.Training.ExitCode == 0, trained.Training.Error);
        string folder = trained.NewFolder("report");
        var (exit, output, error) = await Segml.RunAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root,
            "--split", "val", "--report", folder, "--report-examples", examples.ToString());
        Assert.True(exit == 0, error);
        Assert.Contains($"Report written to {Path.Combine(folder, "index.html")}.", output.ReplaceLineEndings(""));
        return folder;
    }

    [Fact]
    public async Task EvaluateWritesAReportOfEveryPictureWithImagesSpreadOverTheSplit()
    {
        string folder = await WriteReportAsync(examples: 4);
        var page = EvaluationReportTests.AssertCompleteReport(folder, 4, SceneClasses);

        // Six val images, four shown: rows 0, 1, 3 and 4 (i · 6 / 4).
        var ids = trained.Data.Images("val").Select(Path.GetFileNameWithoutExtension).ToArray();
        Assert.Equal([ids[0], ids[1], ids[3], ids[4]], page.Descendants("figcaption").Select(f => f.Value));
        Assert.Contains(page.Descendants("dd"), d => d.Value == trained.ModelPath);
        // The pictures show the model's predictions: the report's metrics are the command's.
        var (_, json, _) = await Segml.RunAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root, "--split", "val", "--json");
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")))!;
        Assert.Equal(JsonNode.Parse(json)!["mean_iou"]!.GetValue<double>(), metrics["mean_iou"]!.GetValue<double>());
    }

    [Fact]
    public async Task JsonNamesTheReportAndNoExamplesIsAllowed()
    {
        string folder = trained.NewFolder("report-json");
        var (exit, output, error) = await Segml.RunAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root,
            "--json", "--report", folder, "--report-examples", "0");
        Assert.True(exit == 0, error);
        Assert.Equal(Path.Combine(folder, "index.html"), JsonNode.Parse(output)!["report"]!.GetValue<string>());
        EvaluationReportTests.AssertCompleteReport(folder, 0, SceneClasses);
    }

    [Fact]
    public async Task AFolderOfOtherFilesIsRefusedBeforeEvaluating()
    {
        string folder = Directory.CreateDirectory(trained.NewFolder("photos")).FullName;
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "mine");
        var (exit, output, error) = await Segml.RunAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root, "--report", folder);

        Assert.Equal(1, exit);
        Assert.Contains(folder, error);
        Assert.DoesNotContain("Mean IoU", output);
        Assert.Equal([Path.Combine(folder, "keep.txt")], Directory.GetFileSystemEntries(folder));
    }

    [ChromiumFact]
    public async Task TheReportRendersInABrowserWithEverySectionEveryPictureAndNoConsoleMessages()
    {
        string folder = await WriteReportAsync(examples: 3);
        string page = Path.Combine(folder, "index.html");

        var (dom, domLog) = await Chromium.DumpDomAsync(page);
        foreach (string id in EvaluationReport.SectionIds)
            Assert.Matches($"<section id=\"{id}\">\\s*<h2>[^<]+</h2>", dom);
        Assert.Equal(3, Regex.Count(dom, "<figure>"));
        // The charts are inline SVG: the browser keeps their descriptions (a bar per class) and their text.
        Assert.Equal(Regex.Count(File.ReadAllText(page), "<bar "), Regex.Count(dom, "<bar "));
        Assert.Contains("Confusion matrix: share of each truth row (%)", dom);

        string png = Path.Combine(folder, "..", $"screenshot-{Guid.NewGuid():N}.png");
        string log = await Chromium.ScreenshotAsync(page, png, 1400, 3200);
        Assert.Empty(Chromium.ConsoleMessages(domLog + log));
        var screenshot = ImageDecoder.DecodeRgb(png);
        Assert.Equal((1400, 3200), (screenshot.Width, screenshot.Height));

        // Every picture the page links is on screen at its own size, pixel for pixel.
        foreach (Match img in ImgSource().Matches(File.ReadAllText(page)))
        {
            var picture = ImageDecoder.DecodeRgb(Path.Combine(folder, img.Groups[1].Value));
            Assert.True(PictureSearch.Find(screenshot, picture) is not null, $"{img.Groups[1].Value} ({picture.Width}×{picture.Height}) is not shown unscaled in the screenshot.");
        }
        // The inline SVG chart is drawn: its first bar's colour (from its description) fills a run of pixels.
        var bar = BarFill().Match(File.ReadAllText(page));
        var colour = new Rgb24(Convert.ToByte(bar.Groups[1].Value, 16), Convert.ToByte(bar.Groups[2].Value, 16), Convert.ToByte(bar.Groups[3].Value, 16));
        Assert.True(PictureSearch.LongestRun(screenshot, colour) >= 20, $"No bar of colour {colour} is drawn.");
    }

    [HiddenFontsFact]
    public async Task ChartsAreDrawnAlikeWithTheirTextOnAMachineWithoutFonts()
    {
        string withFonts = await WriteReportAsync(examples: 1);
        string folder = trained.NewFolder("report-no-fonts");
        var (exit, _, error) = await HiddenFonts.RunSegmlAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root,
            "--split", "val", "--report", folder, "--report-examples", "1");
        Assert.True(exit == 0, error);

        // The figure font comes from the library, so hiding the installed fonts changes no pixel and no SVG byte.
        string example = Path.Combine("examples", Path.GetFileName(Directory.GetFiles(Path.Combine(folder, "examples")).Single()));
        foreach (string file in (string[])["confusion.png", "class-iou.png", "class-iou.svg", example])
            Assert.True(File.ReadAllBytes(Path.Combine(withFonts, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(folder, file))), $"{file} differs without fonts.");
        // And that text is there: the heatmap's title band holds the dark pixels of its glyphs.
        var heatmap = ImageDecoder.DecodeRgb(Path.Combine(folder, "confusion.png"));
        int ink = 0;
        for (int y = 0; y < 2 * 26; y++)
            for (int x = 0; x < heatmap.Width; x++)
                if (heatmap.GetPixel(x, y) is var p && p.R < 128 && p.G < 128 && p.B < 128) ink++;
        Assert.True(ink > 100, $"Only {ink} dark pixels where the heatmap's title should be written.");
    }

    [GeneratedRegex("<img src=\"([^\"]+)\"")]
    private static partial Regex ImgSource();

    [GeneratedRegex("<bar [^>]*color=\"#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})\"")]
    private static partial Regex BarFill();

    [SharedDataFact]
    public async Task CamVidValReportHasEveryClassAndFullSizePictures()
    {
        string model = trained.NewFolder("camvid") + ".zip";
        var (trainExit, _, trainError) = await Segml.RunAsync("train", "--dataset", "camvid", "--data", SharedData.CamVid, "--split", "train",
            "--trainer", "pixel-prior", "--out", model);
        Assert.True(trainExit == 0, trainError);
        string folder = trained.NewFolder("camvid-report");
        var (exit, _, error) = await Segml.RunAsync("evaluate", "--model", model, "--dataset", "camvid", "--data", SharedData.CamVid, "--split", "val", "--report", folder);
        Assert.True(exit == 0, error);

        var page = EvaluationReportTests.AssertCompleteReport(folder, 6, SegmentationClassSet.CamVid);
        Assert.Contains(page.Descendants("dd"), d => d.Value == "101");
        var example = ImageDecoder.Identify(Directory.GetFiles(Path.Combine(folder, "examples"))[0]);
        Assert.Equal(8 + 3 * 480 + 2 * 8 + 8, example.Width);
    }
}
