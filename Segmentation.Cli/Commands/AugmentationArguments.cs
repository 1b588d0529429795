using System.CommandLine;
using Segmentation.ML.Onnx;

namespace Segmentation.Cli.Commands;

/// <summary>The test-time augmentation options predict and evaluate share: --mirror and --scales.</summary>
internal sealed class AugmentationArguments
{
    public Option<bool> Mirror { get; } = new("--mirror")
    {
        Description = "Also predict the left–right mirrored image (at every scale) and sum the class scores (test-time augmentation; about half the speed).",
    };

    public Option<string> Scales { get; } = new("--scales")
    {
        Description = "Comma-separated scales to predict each image at, e.g. 0.75,1,1.25; the class scores of all are resized to the image and summed " +
                      "(test-time augmentation; each scale s costs about s² of a prediction). Default: 1.",
        HelpName = "S,S,…",
    };

    public AugmentationArguments()
    {
        Scales.Validators.Add(result =>
        {
            try
            {
                TestTimeAugmentation.ParseScales(result.GetValueOrDefault<string>() ?? "1");
            }
            catch (Exception error) when (error is FormatException or ArgumentException)
            {
                result.AddError($"--scales: {error.Message}");
            }
        });
    }

    public IEnumerable<Option> All => [Mirror, Scales];

    /// <summary>What the options ask for.</summary>
    public TestTimeAugmentation Read(ParseResult parse) => new()
    {
        Mirror = parse.GetValue(Mirror),
        Scales = TestTimeAugmentation.ParseScales(parse.GetValue(Scales) ?? "1"),
    };
}
