using System.Text.Json;
using System.Text.Json.Nodes;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>
/// The classes of a segmentation dataset: names in label order (label i is class i), the label
/// value marking pixels to ignore, and optionally the colour of each label.
/// </summary>
public sealed class SegmentationClassSet
{
    private readonly string[] names;
    private readonly bool[] valid = new bool[256];

    /// <summary>Creates a class set.</summary>
    /// <param name="name">A short name for messages, e.g. "VOC2012".</param>
    /// <param name="classNames">1..255 distinct, non-empty names; label i is class i.</param>
    /// <param name="ignoreValue">The label of pixels excluded from training and evaluation (at least the class count), or null.</param>
    /// <param name="palette">Colours by label value, at least one per class, or null.</param>
    /// <exception cref="ArgumentException">The names, ignore value or palette are inconsistent.</exception>
    public SegmentationClassSet(string name, IEnumerable<string> classNames, byte? ignoreValue = null, Palette? palette = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(classNames);
        names = classNames.ToArray();
        if (names.Length is 0 or > 255)
        {
            throw new ArgumentException($"A class set needs 1..255 classes; {names.Length} were given.", nameof(classNames));
        }

        string? blank = names.FirstOrDefault(string.IsNullOrWhiteSpace);
        string? duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (blank is not null || duplicate is not null)
        {
            throw new ArgumentException(blank is not null ? "Class names must not be empty." : $"Class name '{duplicate}' appears twice.", nameof(classNames));
        }

        if (ignoreValue < names.Length)
        {
            throw new ArgumentException($"The ignore value {ignoreValue} is also the label of class '{names[ignoreValue.Value]}'; use a value of at least {names.Length}.", nameof(ignoreValue));
        }

        if (palette is not null && palette.Count < names.Length)
        {
            throw new ArgumentException($"The palette has {palette.Count} colours for {names.Length} classes.", nameof(palette));
        }

        Name = name;
        IgnoreValue = ignoreValue;
        Palette = palette;
        for (int i = 0; i < names.Length; i++)
        {
            valid[i] = true;
        }

        if (ignoreValue is byte ignore)
        {
            valid[ignore] = true;
        }
    }

    /// <summary>
    /// PASCAL VOC 2012: 21 classes (background, aeroplane, …, tvmonitor), 255 = object boundaries
    /// and difficult regions (ignored), the standard VOC palette.
    /// </summary>
    public static SegmentationClassSet Voc2012 { get; } = new(
        "VOC2012",
        ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
         "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"],
        255,
        Palette.Voc);

    /// <summary>
    /// CamVid as distributed with SegNet: 11 classes (Sky, Building, Pole, Road, Pavement, Tree,
    /// SignSymbol, Fence, Car, Pedestrian, Bicyclist), 11 = Unlabelled (ignored), SegNet's colours
    /// (entry 11 is the black of Unlabelled).
    /// </summary>
    public static SegmentationClassSet CamVid { get; } = new(
        "CamVid",
        ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist"],
        11,
        new Palette([
            new(128, 128, 128), new(128, 0, 0), new(192, 192, 128), new(128, 64, 128), new(60, 40, 222), new(128, 128, 0),
            new(192, 128, 128), new(64, 64, 128), new(64, 0, 128), new(64, 64, 0), new(0, 128, 192), new(0, 0, 0),
        ]));

    /// <summary>A short name for messages.</summary>
    public string Name { get; }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> ClassNames => names;

    /// <summary>Number of classes; valid class labels are 0..ClassCount-1.</summary>
    public int ClassCount => names.Length;

    /// <summary>The label of ignored pixels, or null when every pixel is labelled.</summary>
    public byte? IgnoreValue { get; }

    /// <summary>Colours by label value, or null.</summary>
    public Palette? Palette { get; }

    /// <summary>Whether <paramref name="label"/> is a class or the ignore value.</summary>
    public bool IsValidLabel(byte label) => valid[label];

    /// <summary>The label of the named class (ordinal, case-insensitive), or -1.</summary>
    public int IndexOf(string className) => Array.FindIndex(names, n => string.Equals(n, className, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Reads a class file:
    /// <c>{ "name": "roads", "classes": ["background", "road"], "ignore": 255, "palette": [[0,0,0],[128,64,128]] }</c>.
    /// <c>classes</c> is required; <c>name</c> defaults to the folder name; <c>ignore</c> and <c>palette</c>
    /// (colours by label value, covering at least the classes) are optional.
    /// </summary>
    /// <exception cref="DatasetException">The file is missing or malformed (problem <see cref="DatasetProblem.InvalidLayout"/>).</exception>
    public static SegmentationClassSet Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DatasetException(DatasetProblem.InvalidLayout,
                $"Class file not found: {path}. Create it, e.g. {{ \"classes\": [\"background\", \"road\"], \"ignore\": 255 }}.", filePath: path);
        }

        string folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "dataset";
        try
        {
            return Parse(File.ReadAllBytes(path), folder);
        }
        catch (FormatException e)
        {
            throw new DatasetException(DatasetProblem.InvalidLayout, $"Class file {path} is malformed: {e.Message}", filePath: path, innerException: e);
        }
    }

    /// <summary>This class set in the format of <see cref="Load"/> (every field written), for files, annotations and model metadata.</summary>
    public string ToJson()
    {
        var node = new JsonObject
        {
            ["name"] = Name,
            ["classes"] = new JsonArray(names.Select(n => (JsonNode)n).ToArray()),
            ["ignore"] = IgnoreValue is byte ignore ? ignore : null,
        };
        if (Palette is Palette palette)
            node["palette"] = new JsonArray(Enumerable.Range(0, palette.Count).Select(i => (JsonNode)new JsonArray(palette[i].R, palette[i].G, palette[i].B)).ToArray());
        return node.ToJsonString();
    }

    /// <summary>Reads the format of <see cref="Load"/> from UTF-8 JSON.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="defaultName">The name when the JSON has none.</param>
    /// <exception cref="FormatException">The JSON is malformed or inconsistent (the message says what).</exception>
    public static SegmentationClassSet Parse(ReadOnlySpan<byte> json, string defaultName = "classes")
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("classes", out JsonElement classes) || classes.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("expected an object with a \"classes\" array of names");
            }

            string[] names = classes.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new FormatException("class names must be strings")).ToArray();
            string name = !root.TryGetProperty("name", out JsonElement n) || n.ValueKind == JsonValueKind.Null ? defaultName
                : n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new FormatException($"\"name\" must be a string, found {n.GetRawText()}");
            byte? ignore = root.TryGetProperty("ignore", out JsonElement i) && i.ValueKind != JsonValueKind.Null
                ? (i.ValueKind == JsonValueKind.Number && i.TryGetByte(out byte b) ? b : throw new FormatException($"\"ignore\" must be a label value 0..255, found {i.GetRawText()}"))
                : null;
            Palette? palette = null;
            if (root.TryGetProperty("palette", out JsonElement p) && p.ValueKind != JsonValueKind.Null)
            {
                palette = p.ValueKind == JsonValueKind.Array ? new Palette(p.EnumerateArray().Select(ParseColor)) : throw new FormatException("\"palette\" must be an array of [r, g, b]");
            }

            return new SegmentationClassSet(name, names, ignore, palette);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static Rgb24 ParseColor(JsonElement element)
    {
        byte[] c = element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetByte(out byte b) ? b : throw new FormatException($"palette values must be 0..255, found {v.GetRawText()}")).ToArray()
            : [];
        return c.Length == 3 ? new Rgb24(c[0], c[1], c[2]) : throw new FormatException($"palette entries must be [r, g, b] with values 0..255, found {element.GetRawText()}");
    }
}
