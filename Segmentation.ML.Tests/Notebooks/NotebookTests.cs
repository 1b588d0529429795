using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.DotNet.Interactive.Documents;
using Segmentation.ML.Tests.Data;
using JupyterNotebook = Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook;
using static Segmentation.ML.Tests.Notebooks.NotebookOutputs;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>
/// Every notebook of the repository, run cell by cell in the .NET Interactive kernel against the library's NuGet package
/// (packed from the build under test) on small offline data, with each figure's output checked: table rows, picture
/// sizes, bars and series.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed partial class NotebookTests(NotebookWorkFolder work)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(1);

    [Fact]
    public void EveryNotebookIsAPolyglotCSharpNotebookWhoseCodeCellsAreCovered()
    {
        var files = Directory.GetFiles(NotebooksFolder, "*.ipynb").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["01-explore-data.ipynb", "02-train-hypercolumns.ipynb", "03-evaluate-and-predict.ipynb"], files);
        foreach (string file in files)
        {
            string path = Path.Combine(NotebooksFolder, file);
            Assert.Equal(".net-csharp", JsonNode.Parse(File.ReadAllText(path))!["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
            // As the kernel host reads it.
            var kernels = new KernelInfoCollection { new("csharp", "C#", ["c#", "C#", "cs"]) };
            kernels.DefaultKernelName = "csharp";
            InteractiveDocument notebook;
            using (var stream = File.OpenRead(path)) notebook = JupyterNotebook.Read(stream, kernels);
            var code = notebook.Elements.Where(e => e.KernelName != "markdown").ToList();
            Assert.All(code, c => Assert.Equal("csharp", c.KernelName));
            Assert.Equal(notebook.Elements.Count, notebook.Elements.Select(c => c.Id).Distinct().Count());
            // The library arrives as users get it: its package folder as a source, then #r "nuget: …"; no assembly paths.
            Assert.Equal(["package-source", "reference"], code.Take(2).Select(c => c.Id));
            Assert.Contains("await Kernel.Root.SendAsync(new AddPackageSource(packages));", code[0].Contents);
            Assert.Contains("#r \"nuget: Segmentation.ML, 0.1.0-*\"", code[1].Contents);
            Assert.DoesNotContain(code, c => c.Contents.Contains(".dll\"", StringComparison.Ordinal));
            Assert.True(notebook.Elements.Count(c => c.KernelName == "markdown") >= code.Count / 2, $"{file} should teach as it goes.");
        }
    }

    [Fact]
    public async Task ExploreDataShowsThePreviewLegendStatisticsAndPictures()
    {
        var run = await RunAsync(work, "01-explore-data.ipynb");
        Assert.True(run.Elapsed < Budget, $"{run.Name} took {run.Elapsed.TotalSeconds:F0} s.");

        // The package packed from the build under test, restored into the private packages folder, not a cached one.
        Assert.Contains($"<span>Segmentation.ML, {work.Package.Version}</span>", run.Html("reference").First());
        Assert.True(Directory.Exists(Path.Combine(work.Package.PackagesCache, "segmentation.ml", work.Package.Version)));

        Assert.Equal("synthetic scenes train: 40 images, 6 classes, ignore label 255", run["load"].Texts[0]);
        Assert.Equal(5, TableRows(run.Html("load")).Single().Count);

        var legend = Svgs(run.Html("legend")).Single();
        Assert.Equal(["sky", "building", "road", "tree", "car", "person"], Marks(legend, "swatch").Select(s => (string)s.Attribute("label")!));

        // A bar per class, each the share its table row gives.
        var shares = TableRows(run.Html("statistics")).Single();
        Assert.Equal(6, shares.Count);
        var shareBars = Marks(Svgs(run.Html("statistics")).Single(), "bar");
        Assert.Equal(shares.Select(r => r.Elements("td").ElementAt(2).Value), shareBars.Select(b => Round1(b.Attribute("value")!)));

        // Three image | mask pairs of 160×120 scenes at twice their size: 8 + 320 + 8 + 320 + 8 wide.
        var previews = Images(run.Html("previews"));
        Assert.Equal(3, previews.Count);
        Assert.All(previews, p => Assert.Equal(8 + 2 * 320 + 8 + 8, p.Image.Width));
        // Margin, caption, panel titles, the panels, one line of legend, margin.
        Assert.All(previews, p => Assert.Equal(8 + 14 + 14 + 240 + 8 + 12 + 8, p.Image.Height));
        Assert.Equal(["train-000: image | ground truth", "train-001: image | ground truth", "train-002: image | ground truth"], previews.Select(p => p.Alt));
        Assert.Single(Images(run.Html("overlay")));
    }

    [Fact]
    public async Task TrainHypercolumnsShowsTheTapsTheTwoStagesCurvesAndAPrediction()
    {
        var run = await RunAsync(work, "02-train-hypercolumns.ipynb");
        Assert.True(run.Elapsed < Budget, $"{run.Name} took {run.Elapsed.TotalSeconds:F0} s.");

        Assert.Equal(5, TableRows(run.Html("backbone")).Single().Count);
        // The default taps' channels: 16 + 24 + 32 + 96 + 320.
        Assert.Equal("mobilenet_v2: hypercolumns of Z = 488 values per cell", run["backbone"].Texts.Single());
        var hypercolumnTables = TableRows(run.Html("hypercolumns"));
        Assert.Equal([2, 5], hypercolumnTables.Select(t => t.Count));
        Assert.Equal(["features.1", "16", "16×48×64", "2"], hypercolumnTables[1][0].Elements("td").Select(td => td.Value));
        Assert.Equal("Output grid: 64×48 cells of 488 values for a 128×96 image (stride 2)", run["hypercolumns"].Texts.Single());

        Assert.Single(run["train"].Outputs);
        string trained = run["train"].Texts.Single();
        var epochs = TrainedEpochs().Match(trained);
        Assert.True(epochs.Success, trained);
        int stageA = int.Parse(epochs.Groups[1].Value), stageB = int.Parse(epochs.Groups[2].Value);
        Assert.InRange(stageA, 1, 12);
        Assert.Equal(2, stageB);

        // One series per quantity, a point per epoch that reports it.
        var curves = Svgs(run.Html("curves")).Single();
        var points = Marks(curves, "series").ToDictionary(s => (string)s.Attribute("name")!, s => s.Elements().Count());
        Assert.Equal(stageA, points["train loss, stage A"]);
        Assert.Equal(stageB, points["train loss, stage B"]);
        Assert.Equal(stageA, points["val loss, sampled pixels"]);
        Assert.Equal(stageA, points["val accuracy, sampled pixels"]);
        Assert.Equal(stageB, points["val mean IoU, whole images"]);
        Assert.Equal(2, Marks(curves, "stage-boundary").Count);

        var summary = TableRows(run.Html("predict")).Single();
        Assert.Equal(7, summary.Count);
        // Six classes: chance is 1/6, and even random-weight hypercolumns carry the colours that separate these scenes.
        Assert.InRange(Percent(summary[0].Elements("td").Last()), 40, 100);
        var prediction = Images(run.Html("predict")).Single();
        Assert.Equal(8 + 3 * 256 + 2 * 8 + 8, prediction.Image.Width);
        Assert.StartsWith("val-000: image | ground truth | prediction", prediction.Alt);
        Assert.Matches(@"^Saved \d+ KiB to .*02-model\.zip", run["save"].Texts.Single());
    }

    [GeneratedRegex(@"Trained (\d+) stage-A and (\d+) stage-B epochs")]
    private static partial Regex TrainedEpochs();

    [Fact]
    public async Task EvaluateAndPredictShowsTablesHeatmapBarsPredictionsAndAReport()
    {
        var run = await RunAsync(work, "03-evaluate-and-predict.ipynb");
        Assert.True(run.Elapsed < Budget, $"{run.Name} took {run.Elapsed.TotalSeconds:F0} s.");

        Assert.Equal("Trained a small hypercolumn model on 24 synthetic scenes images", run["model"].Texts[0]);
        // The zip as ML.NET loads it: ML.NET's own transformers around the one ONNX graph, reading only ImagePath.
        Assert.Equal("Loaded model.zip: 6 ML.NET transformers (ImageLoading → ImageResizing → ImagePixelExtracting → Onnx → ValueToKeyMapping → ColumnSelecting), input: ImagePath",
            run["model"].Texts[1]);

        var tables = TableRows(run.Html("evaluate"));
        Assert.Equal([7, 6], tables.Select(t => t.Count));
        Assert.InRange(Percent(tables[0][0].Elements("td").Last()), 40, 100);

        // The heatmap of six classes at scale 2, its percentages written in the cells.
        var heatmap = Images(run.Html("confusion")).Single();
        Assert.Equal("confusion matrix", heatmap.Alt);
        Assert.True(heatmap.Image.Width > 2 * 6 * 30 && heatmap.Image.Height > 2 * 6 * 30, $"{heatmap.Image.Width}×{heatmap.Image.Height} is too small for 6×6 cells of 30 units at scale 2.");

        // A bar per class with an IoU, each the IoU its table row gives.
        var iou = Svgs(run.Html("iou")).Single();
        var withIoU = tables[1].Select(r => r.Elements("td").Last().Value).Where(v => v != "—").ToList();
        Assert.Equal(withIoU, Marks(iou, "bar").Select(b => Round1(b.Attribute("value")!)));
        Assert.InRange(withIoU.Count, 4, 6);

        var pictures = Images(run.Html("overlays"));
        Assert.Equal(4, pictures.Count);
        Assert.All(pictures, p => Assert.Equal(8 + 3 * 256 + 2 * 8 + 8, p.Image.Width));
        Assert.EndsWith("blended over the image: image | ground truth | prediction", pictures[3].Alt);

        Assert.Equal("2 images predicted; identical after reloading the zip: True", run["predict"].Texts.Single());

        // SegmentationModel predicts a 96×72 crop at its own size, not the saved pipeline's 128×96.
        Assert.Equal(8 + 3 * 192 + 2 * 8 + 8, Images(run.Html("any-size")).Single().Image.Width);
        Assert.Equal("hypercolumns on mobilenet_v2: 96×72 labels for the 96×72 crop; the saved pipeline's input is 128×96", run["any-size"].Texts.Single());

        var report = ReportLine().Match(run["report"].Texts.Single());
        Assert.True(report.Success);
        Assert.True(File.Exists(report.Groups[1].Value));
        // index.html, confusion.png, class-iou.svg and .png, metrics.json, confusion.csv and the three examples.
        Assert.Equal("9", report.Groups[2].Value);
    }

    /// <summary>A plotted percentage as the tables write it, with one decimal.</summary>
    private static string Round1(XAttribute value) => double.Parse(value.Value, System.Globalization.CultureInfo.InvariantCulture).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Report: (.+index\.html) \((\d+) files\)$")]
    private static partial Regex ReportLine();

    [Fact]
    public async Task ADataFrameDisplaysAsAnHtmlTableOnceThePackageIsLoaded()
    {
        // The first two code cells of notebook 01 load the package; Microsoft.Data.Analysis, which it depends on, brings
        // a notebook extension whose formatter shows a DataFrame as a table (without one it shows as an object tree).
        var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(NotebooksFolder, "01-explore-data.ipynb")))!;
        var cells = notebook["cells"]!.AsArray();
        var kept = cells.Where(c => (string?)c!["id"] is "package-source" or "reference").Select(c => c!.DeepClone()).ToList();
        var frame = kept[1]!.DeepClone();
        frame["id"] = "frame";
        frame["source"] = new JsonArray("using Microsoft.Data.Analysis;\n", "display(new DataFrame(new Int32DataFrameColumn(\"n\", [1, 2, 3]), new StringDataFrameColumn(\"name\", [\"a\", \"b\", \"c\"])));");
        notebook["cells"] = new JsonArray([.. kept, frame]);
        string path = Path.Combine(Directory.CreateDirectory(Path.Combine(NotebookWorkFolder.Path, "dataframe")).FullName, "dataframe.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());

        var run = await NotebookHost.RunAsync(path, package: work.Package);
        var shown = run["frame"].Outputs.Single();
        Assert.Equal("Microsoft.Data.Analysis.DataFrame", shown.ValueType);
        Assert.DoesNotContain("<details", shown.Html);
        Assert.Equal(3, TableRows([shown.Html!]).Single().Count);
    }

    [SharedDataFact]
    public async Task EvaluateAndPredictRunsOnCamVidVal()
    {
        var run = await RunAsync(work, "03-evaluate-and-predict.ipynb", new Dictionary<string, string> { ["dataset"] = "\"camvid\"" });
        Assert.Equal("Trained a pixel-prior baseline on 367 CamVid images", run["model"].Texts[0]);
        Assert.Equal([7, 11], TableRows(run.Html("evaluate")).Select(t => t.Count));
        Assert.All(Images(run.Html("overlays")), p => Assert.Equal(8 + 3 * 480 + 2 * 8 + 8, p.Image.Width));
    }

    [SharedDataFact]
    public async Task ExploreDataRunsOnCamVidWhenAskedTo()
    {
        var run = await RunAsync(work, "01-explore-data.ipynb", new Dictionary<string, string> { ["dataset"] = "\"camvid\"" });
        Assert.Equal("CamVid train: 367 images, 11 classes, ignore label 11", run["load"].Texts[0]);
        Assert.Equal(11, TableRows(run.Html("statistics")).Single().Count);
        Assert.All(Images(run.Html("previews")), p => Assert.Equal(8 + 2 * 480 + 8 + 8, p.Image.Width));
    }

    [SharedDataFact]
    public async Task ExploreDataShowsVocMasksWhereItsImagesAreMissing()
    {
        var run = await RunAsync(work, "01-explore-data.ipynb", new Dictionary<string, string> { ["dataset"] = "\"voc\"" });
        Assert.Equal("VOC2012 train: 1464 images, 21 classes, ignore label 255", run["load"].Texts[0]);
        Assert.Equal(21, TableRows(run.Html("statistics")).Single().Count);
        var masks = Images(run.Html("previews"));
        Assert.Equal(3, masks.Count);
        Assert.Equal("2007_000032", masks[0].Alt);
        Assert.Empty(run["overlay"].Outputs);
    }
}
