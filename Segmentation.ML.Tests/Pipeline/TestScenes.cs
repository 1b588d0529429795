using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Pipeline;

/// <summary>A small synthetic scene dataset: sky above, road below, a car box; 3 classes + ignore 255.</summary>
internal static class SyntheticScenes
{
    public static readonly SegmentationClassSet Classes = new("scenes", ["sky", "road", "car"], 255, new Palette([new Rgb24(70, 130, 180), new Rgb24(128, 64, 128), new Rgb24(0, 0, 142)]));

    public sealed class Row
    {
        public string Id { get; set; } = "";
        public RgbImage Image { get; set; } = null!;
        public LabelMap Label { get; set; } = null!;
    }

    public static List<Row> Make(int count, int width = 40, int height = 30, int seed = 1)
    {
        var random = new Random(seed);
        var rows = new List<Row>();
        for (int n = 0; n < count; n++)
        {
            int horizon = height / 3 + random.Next(height / 3);
            int carLeft = random.Next(width / 2), carTop = horizon + random.Next(Math.Max(1, height - horizon - 6));
            var pixels = new byte[width * height * 3];
            var labels = new byte[width * height];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    byte label = y < horizon ? (byte)0 : (byte)1;
                    if (y >= carTop && y < carTop + 5 && x >= carLeft && x < carLeft + 8) label = 2;
                    if (y == horizon) label = 255;
                    labels[y * width + x] = label;
                    var colour = label == 255 ? new Rgb24(90, 90, 90) : Classes.Palette![label];
                    int noise = random.Next(-12, 13);
                    pixels[(y * width + x) * 3] = (byte)Math.Clamp(colour.R + noise, 0, 255);
                    pixels[(y * width + x) * 3 + 1] = (byte)Math.Clamp(colour.G + noise, 0, 255);
                    pixels[(y * width + x) * 3 + 2] = (byte)Math.Clamp(colour.B + noise, 0, 255);
                }
            rows.Add(new Row { Id = $"scene{n:D3}", Image = new RgbImage(width, height, pixels), Label = new LabelMap(width, height, labels) });
        }
        return rows;
    }
}
