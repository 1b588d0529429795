using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Imaging;

/// <summary>The committed codec fixtures (written by scripts/fixtures/make_image_fixtures.py) and their manifest.</summary>
internal static class ImageFixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Imaging");

    public static IReadOnlyList<Entry> Manifest { get; } = File.ReadAllLines(Path.Combine(Root, "manifest.txt"))
        .Where(line => line.Length > 0)
        .Select(Entry.Parse)
        .ToArray();

    public static string Png(string name, string extension = ".png") => Path.Combine(Root, "png", name + extension);

    public static string Jpeg(string name, string extension = ".jpg") => Path.Combine(Root, "jpeg", name + extension);

    public static TheoryData<string> Names(string kind)
    {
        var data = new TheoryData<string>();
        foreach (Entry e in Manifest.Where(e => e.Kind == kind))
        {
            data.Add(e.Name);
        }

        return data;
    }

    public static Entry Get(string name) => Manifest.Single(e => e.Name == name);

    /// <summary>One manifest line: kind name width height key=value...</summary>
    public sealed record Entry(string Kind, string Name, int Width, int Height, IReadOnlyDictionary<string, string> Properties)
    {
        public static Entry Parse(string line)
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var properties = parts.Skip(4).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            return new Entry(parts[0], parts[1], int.Parse(parts[2]), int.Parse(parts[3]), properties);
        }

        public int Int(string key) => int.Parse(Properties[key]);
    }

    /// <summary>Per-channel absolute differences between two images of equal size.</summary>
    public static (int Max, double ShareWithinOne) Compare(RgbImage actual, RgbImage expected)
    {
        Assert.Equal(expected.Width, actual.Width);
        Assert.Equal(expected.Height, actual.Height);
        ReadOnlySpan<byte> a = actual.Pixels, e = expected.Pixels;
        int max = 0, pixelsWithinOne = 0;
        for (int i = 0; i < a.Length; i += 3)
        {
            int d = Math.Max(Math.Abs(a[i] - e[i]), Math.Max(Math.Abs(a[i + 1] - e[i + 1]), Math.Abs(a[i + 2] - e[i + 2])));
            max = Math.Max(max, d);
            pixelsWithinOne += d <= 1 ? 1 : 0;
        }

        return (max, pixelsWithinOne / (a.Length / 3.0));
    }
}
