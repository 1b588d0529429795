using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Cli;

/// <summary>
/// A model zip written by <c>segml train</c> is a genuine ML.NET model: samples/MLNetConsumer, an ML.NET application
/// that references only ML.NET's packages and ONNX Runtime, loads it with <c>MLContext.Model.Load</c> and predicts
/// the same label maps as <c>segml predict</c>. Every command leaves its temporary folder as it found it.
/// </summary>
public sealed class MLNetConsumerTests : IDisposable
{
    private readonly SceneFolderDataset data = new();
    private readonly string temporary = Directory.CreateTempSubdirectory("segml-tmpdir").FullName;

    public void Dispose()
    {
        data.Dispose();
        Directory.Delete(temporary, recursive: true);
    }

    /// <summary>samples/MLNetConsumer's build output, in the tests' configuration.</summary>
    private static string ConsumerPath
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            string framework = folder.Name, configuration = folder.Parent!.Name;
            return Path.Combine(RepositoryFolder.Root, "samples", "MLNetConsumer", "bin", configuration, framework, "MLNetConsumer.dll");
        }
    }

    [Theory]
    [InlineData("hypercolumns")]
    [InlineData("pixel-prior")]
    public async Task AnMLNetApplicationWithoutTheLibraryPredictsWhatSegmlPredicts(string trainer)
    {
        var environment = new Dictionary<string, string> { ["TMPDIR"] = temporary };
        string model = Path.Combine(data.Root, $"{trainer}.zip");
        string[] options = trainer == "hypercolumns"
            ? ["--weights", Path.Combine(AppContext.BaseDirectory, "Fixtures", "Backbones", "mini-mobilenet_v2.pth"), "--sparse-epochs", "4", "--hidden", "16", "--seed", "2"]
            : ["--grid-width", "10", "--grid-height", "8"];
        var train = await Segml.RunAssemblyAsync(Segml.AssemblyPath, environment,
            ["train", "--dataset", "folder", "--data", data.Root, "--split", "train", "--trainer", trainer, .. options, "--out", model]);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        AssertNothingLeftIn(temporary, "segml train");

        string[] images = data.Images("val");
        string predicted = Path.Combine(data.Root, $"predicted-{trainer}");
        var predict = await Segml.RunAssemblyAsync(Segml.AssemblyPath, environment, ["predict", "--model", model, .. images, "--out", predicted]);
        Assert.True(predict.ExitCode == 0, predict.Error);
        AssertNothingLeftIn(temporary, "segml predict");

        string consumed = Path.Combine(data.Root, $"consumer-{trainer}");
        var consumer = await Segml.RunAssemblyAsync(ConsumerPath, environment, [model, consumed, .. images]);
        Assert.True(consumer.ExitCode == 0, consumer.Error + consumer.Output);
        AssertNothingLeftIn(temporary, "the ML.NET application");

        foreach (string image in images)
        {
            string name = Path.GetFileNameWithoutExtension(image);
            var segml = ImageDecoder.DecodeLabelMap(Path.Combine(predicted, name + ".png"));
            var mlnet = File.ReadAllBytes(Path.Combine(consumed, name + ".labels"));
            Assert.Equal(segml.Labels.ToArray(), mlnet);
        }
    }

    /// <summary>
    /// Nothing but ONNX Runtime's own telemetry session file (<c>.ses</c>, 51 bytes, one per folder, reused by every
    /// process that starts ONNX Runtime 1.31; not ours to delete) may remain.
    /// </summary>
    private static void AssertNothingLeftIn(string folder, string what)
    {
        var left = Directory.EnumerateFileSystemEntries(folder).Where(entry => Path.GetFileName(entry) != ".ses").ToList();
        Assert.True(left.Count == 0, $"{what} left {string.Join(", ", left)} in its temporary folder.");
    }
}
