using System.Text.Json.Nodes;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>
/// Generates a small synthetic street-scene dataset in the folder layout (images/, masks/, classes.json,
/// with train and val splits): sky, building, road, tree, car and person, with lighting, textures and
/// sensor noise, and the ignore label on object outlines. For demos and notebooks that must run offline;
/// it says nothing about accuracy on real photographs.
/// </summary>
public static class SyntheticScenes
{
    /// <summary>The classes, their colours and the ignore value (255).</summary>
    public static SegmentationClassSet Classes { get; } = new("synthetic scenes",
        ["sky", "building", "road", "tree", "car", "person"], 255,
        new Palette([new Rgb24(70, 130, 180), new Rgb24(70, 70, 70), new Rgb24(128, 64, 128), new Rgb24(107, 142, 35), new Rgb24(0, 0, 142), new Rgb24(220, 20, 60)]));

    /// <summary>Writes <paramref name="trainCount"/> + <paramref name="valCount"/> scenes under <paramref name="root"/>; returns the root.</summary>
    public static string Generate(string root, int trainCount = 60, int valCount = 20, int width = 160, int height = 120, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 32);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 32);
        var random = new Random(seed);
        foreach (var (split, count) in new[] { ("train", trainCount), ("val", valCount) })
        {
            Directory.CreateDirectory(Path.Combine(root, "images", split));
            Directory.CreateDirectory(Path.Combine(root, "masks", split));
            for (int i = 0; i < count; i++)
            {
                var (image, labels) = Scene(random, width, height);
                string name = $"{split}-{i:D3}";
                PngEncoder.Save(image, Path.Combine(root, "images", split, name + ".png"));
                PngEncoder.Save(labels, Path.Combine(root, "masks", split, name + ".png"));
            }
        }
        var classes = new JsonObject
        {
            ["name"] = Classes.Name,
            ["classes"] = new JsonArray(Classes.ClassNames.Select(n => (JsonNode)n).ToArray()),
            ["ignore"] = 255,
            ["palette"] = new JsonArray(Enumerable.Range(0, Classes.ClassCount).Select(c => (JsonNode)new JsonArray(Classes.Palette![c].R, Classes.Palette[c].G, Classes.Palette[c].B)).ToArray()),
        };
        File.WriteAllText(Path.Combine(root, "classes.json"), classes.ToJsonString());
        return root;
    }

    /// <summary>One scene: the picture and its labels.</summary>
    public static (RgbImage Image, LabelMap Labels) Scene(Random random, int width, int height)
    {
        var labels = new byte[width * height];
        int horizon = height * (35 + random.Next(20)) / 100;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                labels[y * width + x] = y < horizon ? (byte)0 : (byte)2;
        void Box(int x0, int y0, int x1, int y1, byte label)
        {
            for (int y = Math.Max(0, y0); y < Math.Min(height, y1); y++)
                for (int x = Math.Max(0, x0); x < Math.Min(width, x1); x++) labels[y * width + x] = label;
        }
        for (int b = random.Next(1, 4); b > 0; b--)
        {
            int w = width / 8 + random.Next(width / 4), x0 = random.Next(width - w), top = horizon - height / 8 - random.Next(horizon / 2 + 1);
            Box(x0, top, x0 + w, horizon + height / 20, 1);
        }
        for (int t = random.Next(0, 3); t > 0; t--)
        {
            int r = height / 12 + random.Next(height / 10), cx = random.Next(width), cy = horizon - r / 2;
            for (int y = cy - r; y <= cy + r; y++)
                for (int x = cx - r; x <= cx + r; x++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r && (uint)x < width && (uint)y < height) labels[y * width + x] = 3;
            Box(cx - r / 6, cy + r - 1, cx + r / 6 + 1, horizon + r / 2, 3);
        }
        for (int c = random.Next(0, 3); c > 0; c--)
        {
            int w = width / 6 + random.Next(width / 8), h = w / 2, x0 = random.Next(width - w), y0 = horizon + random.Next(Math.Max(1, height - horizon - h));
            Box(x0, y0, x0 + w, y0 + h, 4);
        }
        for (int p = random.Next(1, 4); p > 0; p--)
        {
            int h = height / 5 + random.Next(height / 8), w = Math.Max(4, h / 2), x0 = random.Next(width - w), y0 = horizon - h / 3 + random.Next(Math.Max(1, height - horizon - h / 2));
            Box(x0, y0, x0 + w, y0 + h, 5);
        }

        var outlined = (byte[])labels.Clone();
        for (int y = 1; y < height - 1; y++)
            for (int x = 1; x < width - 1; x++)
            {
                byte l = labels[y * width + x];
                if (l >= 3 && (labels[y * width + x + 1] != l || labels[(y + 1) * width + x] != l)) outlined[y * width + x] = 255;
            }

        float light = 0.75f + 0.5f * random.NextSingle();
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte l = labels[y * width + x];
                var colour = Classes.Palette![l];
                float texture = l switch
                {
                    0 => 1.15f - 0.3f * y / Math.Max(1, horizon),
                    1 => (x / 4 + y / 5) % 3 == 0 ? 1.35f : 0.9f,
                    2 => Math.Abs(x - width / 2) < 2 && y % 12 < 6 ? 2.5f : 1f,
                    3 => 0.8f + 0.4f * random.NextSingle(),
                    4 => y % 7 == 0 ? 0.6f : 1.05f,
                    _ => 1f,
                };
                for (int ch = 0; ch < 3; ch++)
                {
                    float v = (ch == 0 ? colour.R : ch == 1 ? colour.G : colour.B) * texture * light + (random.NextSingle() - 0.5f) * 30f;
                    pixels[(y * width + x) * 3 + ch] = (byte)Math.Clamp((int)v, 0, 255);
                }
            }
        return (new RgbImage(width, height, pixels), new LabelMap(width, height, outlined));
    }
}
