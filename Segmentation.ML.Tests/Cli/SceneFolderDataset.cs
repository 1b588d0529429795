using System.Text.Json.Nodes;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tests.Pipeline;

namespace Segmentation.ML.Tests.Cli;

/// <summary>
/// A small folder dataset written to a temporary directory: <c>images/{train,val}/*.png</c>,
/// <c>masks/{train,val}/*.png</c> (gray label PNGs: sky 0, road 1, car 2, 255 on the horizon line)
/// and <c>classes.json</c> declaring a fourth class, bus, that no mask holds — so reports show an absent class.
/// Scenes come from <see cref="SyntheticScenes"/>; the train and val splits use different seeds.
/// </summary>
public sealed class SceneFolderDataset : IDisposable
{
    public static readonly string[] ClassNames = ["sky", "road", "car", "bus"];

    public SceneFolderDataset()
    {
        Root = Path.Combine(Path.GetTempPath(), $"segml-scenes-{Guid.NewGuid():N}");
        var classes = new JsonObject
        {
            ["name"] = "scenes",
            ["classes"] = new JsonArray(ClassNames.Select(n => (JsonNode)n).ToArray()),
            ["ignore"] = 255,
            ["palette"] = new JsonArray(new JsonArray(70, 130, 180), new JsonArray(128, 64, 128), new JsonArray(0, 0, 142), new JsonArray(0, 60, 100)),
        };
        Directory.CreateDirectory(Root);
        File.WriteAllText(Path.Combine(Root, "classes.json"), classes.ToJsonString());
        WriteSplit("train", count: 12, seed: 1);
        WriteSplit("val", count: 6, seed: 2);
    }

    public string Root { get; }

    /// <summary>The PNG images of a split, in name order.</summary>
    public string[] Images(string split) => Directory.GetFiles(Path.Combine(Root, "images", split)).Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    private void WriteSplit(string split, int count, int seed)
    {
        string images = Directory.CreateDirectory(Path.Combine(Root, "images", split)).FullName;
        string masks = Directory.CreateDirectory(Path.Combine(Root, "masks", split)).FullName;
        foreach (var scene in SyntheticScenes.Make(count, width: 40, height: 30, seed: seed))
        {
            PngEncoder.Save(scene.Image, Path.Combine(images, $"{split}-{scene.Id}.png"));
            PngEncoder.Save(scene.Label, Path.Combine(masks, $"{split}-{scene.Id}.png"));
        }
    }
}
