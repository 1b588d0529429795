using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Cli;

/// <summary>The scene dataset and a pixel prior trained on it by <c>segml train</c>, shared by the tests of one class.</summary>
public sealed class TrainedSceneModel : IAsyncLifetime
{
    public SceneFolderDataset Data { get; } = new();

    public string ModelPath => Path.Combine(Data.Root, "model", "prior.zip");

    public (int ExitCode, string Output, string Error) Training { get; private set; }

    public async Task InitializeAsync() =>
        Training = await Segml.RunAsync("train", "--dataset", "folder", "--data", Data.Root, "--split", "train", "--val-split", "val",
            "--trainer", "pixel-prior", "--grid-width", "20", "--grid-height", "15", "--seed", "7", "--out", ModelPath);

    public Task DisposeAsync()
    {
        Data.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A fresh folder under the dataset's temporary root, removed with it.</summary>
    public string NewFolder(string name) => Path.Combine(Data.Root, $"{name}-{Guid.NewGuid():N}");
}

public sealed class ModelCommandTests(TrainedSceneModel trained) : IClassFixture<TrainedSceneModel>
{
    private static readonly string[] SummaryKeys = ["pixel_accuracy", "mean_class_accuracy", "mean_class_precision", "mean_iou", "fw_iou"];

    private string[] Evaluate(params string[] more) =>
        ["evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root, "--split", "val", .. more];

    [Fact]
    public void TrainSavesTheModelAndReportsWhereAndHowLong()
    {
        var (exit, output, error) = trained.Training;
        Assert.True(exit == 0, error);
        Assert.True(File.Exists(trained.ModelPath));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(trained.ModelPath)!, "*.tmp"));
        Assert.Contains(trained.ModelPath, output);
        Assert.Matches(@"Trained pixel-prior on scenes train \(12 images\) in \d+\.\d s", output);
        Assert.Contains("Mean IoU", output);
        Assert.Contains("bus (absent", output);
    }

    [Fact]
    public async Task EvaluateJsonIsOneObjectWithFractionsAndPerClassRows()
    {
        var (exit, output, error) = await Segml.RunAsync(Evaluate("--json"));
        Assert.True(exit == 0, error);
        var json = JsonNode.Parse(output)!.AsObject();
        foreach (string key in SummaryKeys)
        {
            double value = json[key]!.GetValue<double>();
            Assert.InRange(value, 0, 1);
        }
        Assert.Equal(trained.ModelPath, json["model"]!.GetValue<string>());
        Assert.Equal("folder", json["dataset"]!.GetValue<string>());
        Assert.Equal("val", json["split"]!.GetValue<string>());
        Assert.Equal(6, json["images"]!.GetValue<int>());
        Assert.True(json["mean_iou"]!.GetValue<double>() > 0.3, "A prior on scenes with sky above road should get the two big classes mostly right.");

        var rows = json["per_class"]!.AsArray();
        Assert.Equal(SceneFolderDataset.ClassNames, rows.Select(r => r!["name"]!.GetValue<string>()));
        var bus = rows[3]!;
        Assert.Equal("absent", bus["presence"]!.GetValue<string>());
        Assert.Null(bus["iou"]);
        Assert.Equal("in_truth", rows[1]!["presence"]!.GetValue<string>());
        Assert.InRange(rows[1]!["iou"]!.GetValue<double>(), 0, 1);
    }

    [Fact]
    public async Task EvaluateTableMarksAbsentClassesAndConfusionIsACsvOfClassNames()
    {
        string csv = Path.Combine(trained.NewFolder("confusion"), "matrix.csv");
        var (exit, output, error) = await Segml.RunAsync(Evaluate("--confusion", csv));
        Assert.True(exit == 0, error);
        foreach (string metric in new[] { "Pixel accuracy", "Mean class accuracy", "Mean class precision", "Mean IoU", "Frequency-weighted IoU" })
            Assert.Contains(metric, output);
        Assert.Contains("bus (absent", output);
        Assert.Contains(csv, output);

        var lines = File.ReadAllLines(csv);
        Assert.Equal("truth\\predicted,sky,road,car,bus", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Equal(SceneFolderDataset.ClassNames, lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(csv)!, "*.tmp"));

        var (_, jsonOutput, _) = await Segml.RunAsync(Evaluate("--json"));
        long counted = JsonNode.Parse(jsonOutput)!["counted_pixels"]!.GetValue<long>();
        Assert.Equal(counted, lines.Skip(1).Sum(l => l.Split(',').Skip(1).Sum(long.Parse)));
    }

    [Fact]
    public async Task CtrlCWhileTheReportIsBuiltLeavesNeitherTheConfusionCsvNorTheReport()
    {
        if (OperatingSystem.IsWindows()) return;
        string folder = Directory.CreateDirectory(trained.NewFolder("cancelled")).FullName;
        string csv = Path.Combine(folder, "confusion.csv"), report = Path.Combine(folder, "report");
        using var segml = new SegmlProcess(Evaluate("--confusion", csv, "--report", report, "--report-examples", "6"));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!segml.HasExited && !Directory.EnumerateDirectories(folder, ".report.*.tmp").Any())
        {
            Assert.True(DateTime.UtcNow < deadline, "evaluate did not start its report within two minutes.");
            await Task.Delay(2);
        }
        segml.Interrupt();
        var (exit, _, error) = await segml.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.DoesNotContain("   at ", error);
        if (exit == 0)
        {
            Assert.True(File.Exists(csv) && File.Exists(Path.Combine(report, "index.html")), "exit 0 without both outputs");
        }
        else
        {
            Assert.True(exit == 130, $"exit {exit}: {error}");
            Assert.Contains("nothing partial was left behind", error);
            Assert.False(File.Exists(csv), "the confusion CSV was left behind by a cancelled evaluation");
            Assert.False(Directory.Exists(report), "the report was left behind by a cancelled evaluation");
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder, "*.tmp"));
    }

    [Fact]
    public async Task EvaluateOnAllVoidMasksSaysNoClassIsPresentInsteadOfAZeroMeanIoU()
    {
        string split = $"void-{Guid.NewGuid():N}";
        string image = Directory.GetFiles(Path.Combine(trained.Data.Root, "images", "val")).Order(StringComparer.Ordinal).First();
        var size = ImageDecoder.DecodeLabelMap(Path.Combine(trained.Data.Root, "masks", "val", Path.GetFileName(image)));
        Directory.CreateDirectory(Path.Combine(trained.Data.Root, "images", split));
        Directory.CreateDirectory(Path.Combine(trained.Data.Root, "masks", split));
        File.Copy(image, Path.Combine(trained.Data.Root, "images", split, Path.GetFileName(image)));
        var voidMask = new LabelMap(size.Width, size.Height);
        voidMask.Labels.Fill(255);
        PngEncoder.Save(voidMask, Path.Combine(trained.Data.Root, "masks", split, Path.GetFileName(image)));

        var (exit, output, error) = await Segml.RunAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root, "--split", split);

        Assert.True(exit == 0, error);
        Assert.Contains("No class is present: every mask pixel is void", output);
        Assert.DoesNotContain("Mean IoU", output);
        Assert.DoesNotContain("0.0 %", output);

        var (jsonExit, json, jsonError) = await Segml.RunAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root, "--split", split, "--json");
        Assert.True(jsonExit == 0, jsonError);
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        foreach (string key in new[] { "pixel_accuracy", "mean_class_accuracy", "mean_class_precision", "mean_iou", "fw_iou" })
            Assert.True(metrics[key] is null, $"{key} should be null when every pixel is void, was {metrics[key]}");
        Assert.Equal(0, (long)metrics["counted_pixels"]!);
    }

    [Fact]
    public async Task PredictWritesOneLabelPngPerInputAtItsSizeAndOverlaysWhenAsked()
    {
        string jpeg = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Imaging", "jpeg", "baseline_420_q75_500x375.jpg");
        string output = trained.NewFolder("predictions");
        var (exit, stdout, error) = await Segml.RunAsync("predict", "--model", trained.ModelPath, Path.Combine(trained.Data.Root, "images", "val"), jpeg, "--out", output, "--overlay");
        Assert.True(exit == 0, error);
        Assert.Matches(@"\d+\.\d images/s", stdout);

        var inputs = trained.Data.Images("val").Append(jpeg).ToArray();
        Assert.Equal(inputs.Length * 2, Directory.GetFiles(output).Length);
        foreach (string input in inputs)
        {
            var image = MLImages.LoadRgb(input);
            string name = Path.GetFileNameWithoutExtension(input);
            var labels = ImageDecoder.DecodeLabelMap(Path.Combine(output, name + ".png"));
            Assert.Equal((image.Width, image.Height), (labels.Width, labels.Height));
            Assert.True(labels.Labels.IndexOfAnyExceptInRange((byte)0, (byte)3) < 0, $"{name}.png holds a value that is not a class.");
            var overlay = ImageDecoder.DecodeRgb(Path.Combine(output, name + ".overlay.png"));
            Assert.Equal((image.Width, image.Height), (overlay.Width, overlay.Height));
        }

        string plain = trained.NewFolder("plain");
        var (plainExit, _, plainError) = await Segml.RunAsync("predict", "--model", trained.ModelPath, inputs[0], "--out", plain);
        Assert.True(plainExit == 0, plainError);
        Assert.Equal([Path.Combine(plain, Path.GetFileNameWithoutExtension(inputs[0]) + ".png")], Directory.GetFiles(plain));
    }

    [Fact]
    public async Task OverlayBlendsTheImageHalfwayToThePaletteColourOfEachPrediction()
    {
        string input = trained.Data.Images("val")[0];
        string output = trained.NewFolder("overlay");
        var (exit, _, error) = await Segml.RunAsync("predict", "--model", trained.ModelPath, input, "--out", output, "--overlay");
        Assert.True(exit == 0, error);
        string name = Path.GetFileNameWithoutExtension(input);
        var image = ImageDecoder.DecodeRgb(input);
        var labels = ImageDecoder.DecodeLabelMap(Path.Combine(output, name + ".png"));
        var overlay = ImageDecoder.DecodeRgb(Path.Combine(output, name + ".overlay.png"));
        Rgb24[] palette = [new(70, 130, 180), new(128, 64, 128), new(0, 0, 142), new(0, 60, 100)];
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                Rgb24 pixel = image.GetPixel(x, y), colour = palette[labels[x, y]];
                var expected = new Rgb24((byte)((pixel.R + colour.R + 1) / 2), (byte)((pixel.G + colour.G + 1) / 2), (byte)((pixel.B + colour.B + 1) / 2));
                Assert.Equal(expected, overlay.GetPixel(x, y));
            }
    }

    [Fact]
    public async Task SavedModelPredictsTheSameInEveryProcessAndInProcess()
    {
        string first = trained.NewFolder("first"), second = trained.NewFolder("second");
        string inputs = Path.Combine(trained.Data.Root, "images", "val");
        var one = await Segml.RunAsync("predict", "--model", trained.ModelPath, inputs, "--out", first);
        var two = await Segml.RunAsync("predict", "--model", trained.ModelPath, inputs, "--out", second);
        Assert.True(one.ExitCode == 0, one.Error);
        Assert.True(two.ExitCode == 0, two.Error);

        var ml = new Microsoft.ML.MLContext { TempFilePath = trained.Data.Root };
        var model = ml.Model.Load(trained.ModelPath, out var inputSchema);
        Assert.Equal(["ImagePath"], inputSchema.Select(c => c.Name));
        var rows = ml.Data.LoadFromEnumerable(trained.Data.Images("val").Select(path => new PathRow { ImagePath = path }).ToList());
        var expected = model.Transform(rows).GetColumn<Microsoft.ML.Data.VBuffer<uint>>("PredictedLabel").Select(k => k.DenseValues().Select(v => (byte)(v - 1)).ToArray()).ToList();
        (model as IDisposable)?.Dispose();

        var images = trained.Data.Images("val");
        Assert.Equal(images.Length, expected.Count);
        for (int i = 0; i < images.Length; i++)
        {
            string name = Path.GetFileNameWithoutExtension(images[i]) + ".png";
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, name)), File.ReadAllBytes(Path.Combine(second, name)));
            Assert.Equal(expected[i], ImageDecoder.DecodeLabelMap(Path.Combine(first, name)).Labels.ToArray());
        }
    }

    [Fact]
    public async Task MissingModelFailsNamingTheFile()
    {
        string missing = Path.Combine(trained.Data.Root, "no-such-model.zip");
        var (exit, _, error) = await Segml.RunAsync("predict", "--model", missing, trained.Data.Images("val")[0], "--out", trained.NewFolder("missing"));
        Assert.Equal(1, exit);
        Assert.Contains(missing, error);
        Assert.Contains("does not exist", error);

        var (evaluateExit, _, evaluateError) = await Segml.RunAsync("evaluate", "--model", missing, "--dataset", "folder", "--data", trained.Data.Root);
        Assert.Equal(1, evaluateExit);
        Assert.Contains(missing, evaluateError);
    }

    [Fact]
    public async Task TruncatedModelFailsSayingItIsCorrupt()
    {
        var bytes = File.ReadAllBytes(trained.ModelPath);
        foreach (int length in new[] { 0, 100, bytes.Length / 2, bytes.Length - 10 })
        {
            string truncated = Path.Combine(trained.Data.Root, $"truncated-{length}.zip");
            File.WriteAllBytes(truncated, bytes[..length]);
            var (exit, _, error) = await Segml.RunAsync("evaluate", "--model", truncated, "--dataset", "folder", "--data", trained.Data.Root, "--json");
            Assert.True(exit == 1, $"{length} bytes: exit {exit}, {error}");
            Assert.Contains(truncated, error);
            Assert.Contains("corrupt or truncated", error);
            Assert.Single(error.Trim().Split('\n'));
        }
    }

    [Fact]
    public async Task TamperedModelIsRefusedInOneLineOrPredictsExactlyAsBefore()
    {
        string image = trained.Data.Images("val")[0];
        string name = Path.GetFileNameWithoutExtension(image) + ".png";
        string reference = trained.NewFolder("untampered");
        Assert.Equal(0, (await Segml.RunAsync("predict", "--model", trained.ModelPath, image, "--out", reference)).ExitCode);
        var expected = File.ReadAllBytes(Path.Combine(reference, name));
        var bytes = File.ReadAllBytes(trained.ModelPath);
        int refused = 0;
        // Bit flips spread over the whole file: entry data, local headers, the central directory.
        foreach (int offset in Enumerable.Range(0, 24).Select(i => (int)((long)i * (bytes.Length - 1) / 23)))
        {
            var tampered = (byte[])bytes.Clone();
            tampered[offset] ^= 0x04;
            string path = Path.Combine(trained.Data.Root, $"tampered-{offset}.zip");
            File.WriteAllBytes(path, tampered);
            string output = trained.NewFolder("tampered");
            var (exit, _, error) = await Segml.RunAsync("predict", "--model", path, image, "--out", output);
            Assert.DoesNotContain("   at ", error);
            if (exit == 0)
            {
                Assert.Equal(expected, File.ReadAllBytes(Path.Combine(output, name)));
                continue;
            }
            Assert.True(exit == 1, $"offset {offset}: exit {exit}, {error}");
            Assert.Contains(path, error);
            Assert.Single(error.Trim().Split('\n'));
            refused++;
        }
        // Flips in zip bookkeeping that no reader uses (times, versions, attributes) change nothing and may pass;
        // every flip in an entry's data or in a field that locates it must be refused. Most of the file is data.
        Assert.True(refused >= 12, $"only {refused} of 24 flips were refused");
    }

    [Fact]
    public async Task UnreadableInputsFailNamingTheFile()
    {
        string junk = Path.Combine(trained.NewFolder("junk"), "junk.png");
        Directory.CreateDirectory(Path.GetDirectoryName(junk)!);
        File.WriteAllText(junk, "not an image");
        var (exit, _, error) = await Segml.RunAsync("predict", "--model", trained.ModelPath, junk, "--out", trained.NewFolder("out"));
        Assert.Equal(1, exit);
        Assert.Contains(junk, error);

        string nowhere = Path.Combine(trained.Data.Root, "nowhere");
        var (dataExit, _, dataError) = await Segml.RunAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", nowhere);
        Assert.Equal(1, dataExit);
        Assert.Contains(nowhere, dataError);

        string split = $"empty-{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.Combine(trained.Data.Root, "images", split));
        var (emptyExit, _, emptyError) = await Segml.RunAsync("evaluate", "--model", trained.ModelPath, "--dataset", "folder", "--data", trained.Data.Root, "--split", split);
        Assert.Equal(1, emptyExit);
        Assert.Equal($"error: The {split} split of '{trained.Data.Root}' has no samples; check --data and --split.", emptyError.Trim());
    }

    [Fact]
    public async Task PredictRefusesAForeignMLNetModelNamingTheFile()
    {
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = "x.png" } });
        string modelPath = Path.Combine(trained.NewFolder("foreign"), "model.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(modelPath)!);
        ml.Model.Save(ml.Transforms.CopyColumns("Copy", "ImagePath").Fit(data), data.Schema, modelPath);

        var (exit, _, error) = await Segml.RunAsync("predict", "--model", modelPath, trained.Data.Images("val")[0], "--out", trained.NewFolder("refused"));
        Assert.Equal(1, exit);
        Assert.Contains("holds no ONNX graph", error);
        Assert.Contains(modelPath, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task PredictRefusesToOverwriteItsInputs()
    {
        string folder = Path.Combine(trained.Data.Root, "images", "val");
        var (exit, _, error) = await Segml.RunAsync("predict", "--model", trained.ModelPath, folder, "--out", folder);
        Assert.Equal(1, exit);
        Assert.Contains("which is an input", error);
    }

    [Fact]
    public async Task HypercolumnsNeedsWeightsAndNamesTheFetchCommand()
    {
        string output = Path.Combine(trained.NewFolder("hyper"), "model.zip");
        var (exit, _, error) = await Segml.RunAsync("train", "--dataset", "folder", "--data", trained.Data.Root, "--trainer", "hypercolumns", "--out", output);
        Assert.Equal(1, exit);
        Assert.Contains("--weights", error);

        var (missingExit, _, missingError) = await Segml.RunAsync("train", "--dataset", "folder", "--data", trained.Data.Root, "--trainer", "hypercolumns",
            "--weights", "vgg11", "--out", output);
        Assert.Equal(1, missingExit);
        Assert.Contains("segml weights fetch vgg11", missingError);
        Assert.False(File.Exists(output));

        var (_, help, _) = await Segml.RunAsync("train", "--help");
        Assert.Contains("<hypercolumns|pixel-prior>", help);
        Assert.Contains("--dense-epochs", help);
    }

    [Fact]
    public async Task UsageErrorsExitWithTwo()
    {
        var (unknown, _, unknownError) = await Segml.RunAsync([.. Evaluate(), "--bogus"]);
        Assert.Equal(2, unknown);
        Assert.Contains("--bogus", unknownError);

        var (grid, _, gridError) = await Segml.RunAsync("train", "--dataset", "folder", "--data", trained.Data.Root, "--trainer", "pixel-prior", "--grid-width", "0", "--out", "x.zip");
        Assert.Equal(2, grid);
        Assert.Contains("--grid-width must be between 1 and 4096", gridError);
    }

    [Fact]
    public async Task HelpTeachesOptionsDefaultsAndExamples()
    {
        foreach (string command in new[] { "train", "evaluate", "predict" })
        {
            var (exit, help, _) = await Segml.RunAsync(command, "--help");
            Assert.Equal(0, exit);
            Assert.Contains("Examples:", help);
            Assert.Contains($"segml {command} --", help);
            Assert.Contains("Exit codes:", help);
            Assert.Contains("130", help);
        }
        var (_, train, _) = await Segml.RunAsync("train", "--help");
        Assert.Contains("--grid-width <N>", train);
        Assert.Contains("[default: 60]", train);
        Assert.Contains("--val-split", train);
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
