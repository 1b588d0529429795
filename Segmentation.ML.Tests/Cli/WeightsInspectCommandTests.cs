using System.Text.Json.Nodes;

namespace Segmentation.ML.Tests.Cli;

public class WeightsInspectCommandTests
{
    private static string Fixture(string folder, string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", folder, name);

    [Fact]
    public async Task ListsTensorsArchitectureAndHash()
    {
        string file = Fixture("Backbones", "mini-mobilenet_v2.pth");
        var (exit, output, error) = await Segml.RunAsync("weights", "inspect", "--json", file);
        Assert.True(exit == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("mobilenet_v2", json["architecture"]!.GetValue<string>());
        Assert.False(json["torchvision_shapes"]!.GetValue<bool>());
        Assert.Equal(ML.Models.Checkpoints.Checkpoint.ComputeSha256(file), json["sha256"]!.GetValue<string>());
        var first = json["tensors"]!.AsArray()[0]!;
        Assert.Equal("features.0.0.weight", first["name"]!.GetValue<string>());
        Assert.Equal("F16", first["dtype"]!.GetValue<string>());
        Assert.Equal(new[] { 8, 3, 3, 3 }, first["shape"]!.AsArray().Select(d => d!.GetValue<int>()));
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public async Task ResNetsAreRecognisedAtReducedAndAtTorchvisionsWidths(string architecture)
    {
        var (exit, output, error) = await Segml.RunAsync("weights", "inspect", "--json", Fixture("Backbones", $"mini-{architecture}.pth"));
        Assert.True(exit == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(architecture, json["architecture"]!.GetValue<string>());
        Assert.False(json["torchvision_shapes"]!.GetValue<bool>());
        Assert.Contains(json["tensors"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "layer1.0.conv1.weight");

        using var full = ML.Onnx.Backbone.CreateRandom(architecture, 2);
        string path = Path.Combine(Path.GetTempPath(), $"segml-{architecture}-{Guid.NewGuid():N}.safetensors");
        try
        {
            ML.Models.Checkpoints.SafetensorsFile.Write(path, full.Layout.FeatureParameters.Select(p => ML.Models.Checkpoints.CheckpointTensor.FromFloat32(p.Key, p.Value.Shape, p.Value.Values)));
            var (fullExit, fullOutput, fullError) = await Segml.RunAsync("weights", "inspect", "--json", path);
            Assert.True(fullExit == 0, fullError);
            var fullJson = JsonNode.Parse(fullOutput)!;
            Assert.Equal(architecture, fullJson["architecture"]!.GetValue<string>());
            Assert.True(fullJson["torchvision_shapes"]!.GetValue<bool>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task RefusedFileExitsWithTheReason()
    {
        var (exit, _, error) = await Segml.RunAsync("weights", "inspect", Fixture("Checkpoints", "evil-os-system.pth"));
        Assert.Equal(1, exit);
        Assert.Contains("posix.system", error);
        Assert.Contains("nothing in it was executed", error);

        var (missingExit, _, missingError) = await Segml.RunAsync("weights", "inspect", "/nonexistent/weights.pth");
        Assert.Equal(1, missingExit);
        Assert.Contains("/nonexistent/weights.pth", missingError);
    }

    [Fact]
    public async Task WeightsWithNaNExitWithTheTensorNamedAndNoStackTrace()
    {
        var source = ML.Models.Checkpoints.Checkpoint.Load(Fixture("Backbones", "mini-vgg11.pth"));
        string path = Path.Combine(Path.GetTempPath(), $"segml-nan-{Guid.NewGuid():N}.safetensors");
        try
        {
            ML.Models.Checkpoints.SafetensorsFile.Write(path, source.Tensors.Select(t => t.Name == "features.0.bias"
                ? ML.Models.Checkpoints.CheckpointTensor.FromFloat32(t.Name, t.Shape, t.ToFloat32().Select(_ => float.NaN).ToArray())
                : t));
            var (exit, _, error) = await Segml.RunAsync("weights", "inspect", path);
            Assert.Equal(1, exit);
            Assert.Contains("tensor 'features.0.bias'", error);
            Assert.Contains("is NaN", error);
            Assert.DoesNotContain("   at ", error);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
