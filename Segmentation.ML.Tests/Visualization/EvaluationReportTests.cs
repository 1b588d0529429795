using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Segmentation.ML.Data;
using Segmentation.ML.Evaluation;
using Segmentation.ML.Imaging;
using Segmentation.ML.Visualization;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>The report folder: every section, every picture it links decoding at the size the page gives it, atomic replacement.</summary>
public sealed partial class EvaluationReportTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"segml-report-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    internal static EvaluationReport SceneReport(int examples)
    {
        var classes = SyntheticScenes.Classes;
        var random = new Random(8);
        var matrix = new ConfusionMatrix(classes.ClassCount, classes.IgnoreValue);
        var shown = new List<ReportExample>();
        for (int i = 0; i < Math.Max(examples, 2); i++)
        {
            var (image, truth) = SyntheticScenes.Scene(random, 48, 36);
            var predicted = truth.Labels.ToArray();
            for (int p = 0; p < predicted.Length; p++)
                if (predicted[p] == 255 || p % 5 == 0) predicted[p] = 2;
            var prediction = new LabelMap(truth.Width, truth.Height, predicted);
            matrix.Add(truth.Labels, prediction.Labels);
            if (i < examples) shown.Add(new ReportExample($"scene {i}/a", image, truth, prediction));
        }
        return new EvaluationReport
        {
            Title = "Scenes & more",
            Metrics = matrix.ComputeMetrics(classes.ClassNames),
            Classes = classes,
            Details = [new("model", "made up"), new("images", "2")],
            Examples = shown,
        };
    }

    /// <summary>Checks a written report folder and returns its page, parsed.</summary>
    internal static XElement AssertCompleteReport(string folder, int examples, SegmentationClassSet classes)
    {
        string html = File.ReadAllText(Path.Combine(folder, "index.html"));
        Assert.StartsWith("<!DOCTYPE html>", html);
        // The page is XHTML-clean once the doctype is dropped, so System.Xml can read it.
        var page = XElement.Parse(html[html.IndexOf("<html", StringComparison.Ordinal)..]);
        var sections = page.Descendants("section").ToList();
        Assert.Equal(EvaluationReport.SectionIds, sections.Select(s => (string)s.Attribute("id")!));
        Assert.All(sections, s => Assert.NotEmpty(s.Element("h2")!.Value));

        Assert.Equal(7, HtmlTests.BodyRows(sections[0].Descendants("table").Single()).Count);
        Assert.Equal(classes.ClassCount, HtmlTests.BodyRows(sections[1].Descendants("table").Single()).Count);
        // The charts are inline SVG whose marks are the evaluation's numbers: a bar per class with an IoU, a cell per class pair.
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")))!;
        var ious = metrics["per_class"]!.AsArray().Where(r => r!["iou"] is not null).Select(r => r!["iou"]!.GetValue<double>() * 100).ToList();
        var bars = FigureMarks.All(sections[3].Element(FigureMarks.Svg + "svg")!, "bar");
        Assert.Equal(ious.Count, bars.Count);
        Assert.All(ious.Zip(bars), p => Assert.Equal(p.First, FigureMarks.Number(p.Second, "value"), 9));
        var cells = FigureMarks.All(sections[2].Element(FigureMarks.Svg + "svg")!, "cell");
        var confusion = File.ReadAllLines(Path.Combine(folder, "confusion.csv")).Skip(1).Select(line => line.Split(',')[^classes.ClassCount..].Select(long.Parse)).SelectMany(row => row).ToList();
        Assert.Equal(classes.ClassCount * classes.ClassCount, cells.Count);
        Assert.Equal(confusion, cells.Select(c => (long)FigureMarks.Number(c, "pixels")));

        var images = page.Descendants("img").ToList();
        Assert.Equal(examples, images.Count);
        foreach (var img in images)
        {
            string src = (string)img.Attribute("src")!;
            Assert.DoesNotContain("..", src);
            Assert.False(Path.IsPathRooted(src), $"{src} should be relative to the report.");
            var info = ImageDecoder.Identify(Path.Combine(folder, src));
            Assert.Equal(((int)img.Attribute("width")!, (int)img.Attribute("height")!), (info.Width, info.Height));
        }
        // The chart files the page links are there, the PNGs at twice the charts' size.
        Assert.Equal(["confusion.png", "confusion.csv", "class-iou.svg", "class-iou.png"],
            sections.Skip(2).Take(2).SelectMany(s => s.Descendants("a")).Select(a => (string)a.Attribute("href")!));
        Assert.All(["confusion.png", "class-iou.svg", "class-iou.png"], file => Assert.True(File.Exists(Path.Combine(folder, file)), file));
        var iouSvg = XElement.Parse(File.ReadAllText(Path.Combine(folder, "class-iou.svg")));
        Assert.Equal(2 * (int)FigureMarks.Number(iouSvg, "width"), ImageDecoder.Identify(Path.Combine(folder, "class-iou.png")).Width);
        Assert.Equal(examples, sections[4].Descendants("figure").Count());
        Assert.Equal(examples, Directory.GetFiles(Path.Combine(folder, "examples"), "*.png").Length);
        Assert.StartsWith("truth\\predicted,", File.ReadAllText(Path.Combine(folder, "confusion.csv")));
        return page;
    }

    [Fact]
    public void SaveWritesEverySectionAndEveryLinkedPicture()
    {
        string folder = Path.Combine(root, "report");
        var report = SceneReport(examples: 3);
        report.Save(folder);

        var page = AssertCompleteReport(folder, 3, SyntheticScenes.Classes);
        Assert.Equal("Scenes & more", page.Descendants("h1").Single().Value);
        Assert.Equal(["model", "images"], page.Descendants("dt").Select(d => d.Value));
        Assert.Equal(["scene 0/a", "scene 1/a", "scene 2/a"], page.Descendants("figcaption").Select(f => f.Value));
        Assert.Matches(SafeFileName(), Path.GetFileName(Directory.GetFiles(Path.Combine(folder, "examples"))[0]));
        Assert.Equal([folder], Directory.GetFileSystemEntries(root));
    }

    [GeneratedRegex(@"^\d\d-[A-Za-z0-9._-]+\.png$")]
    private static partial Regex SafeFileName();

    [Fact]
    public void AnEarlierReportIsReplacedWhole()
    {
        string folder = Path.Combine(root, "report");
        SceneReport(examples: 4).Save(folder);
        SceneReport(examples: 1).Save(folder);

        AssertCompleteReport(folder, 1, SyntheticScenes.Classes);
        Assert.Equal([folder], Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public void AFolderOfOtherFilesIsRefusedAndLeftAlone()
    {
        string folder = Directory.CreateDirectory(Path.Combine(root, "photos")).FullName;
        File.WriteAllText(Path.Combine(folder, "holiday.jpg"), "not a report");

        var checkError = Assert.Throws<IOException>(() => EvaluationReport.CheckTarget(folder));
        var saveError = Assert.Throws<IOException>(() => SceneReport(examples: 1).Save(folder));
        Assert.Contains(folder, saveError.Message);
        Assert.Equal(checkError.Message, saveError.Message);
        Assert.Equal([Path.Combine(folder, "holiday.jpg")], Directory.GetFileSystemEntries(folder));
        Assert.Equal([folder], Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public void CancellingLeavesNeitherTheReportNorItsTemporaryFolder()
    {
        string folder = Path.Combine(root, "report");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => SceneReport(examples: 2).Save(folder, cancelled.Token));
        Assert.False(Directory.Exists(folder));
        Assert.Empty(Directory.Exists(root) ? Directory.GetFileSystemEntries(root) : []);
    }
}
