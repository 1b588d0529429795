using System.Text.Json;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>
/// The classes of a segmentation dataset: names in label order (label i is class i), the label
/// value marking pixels to ignore, and optionally the colour of each label.
/// </summary>
public sealed class SegmentationClassSet
{
    private readonly string[] _names;
    private readonly bool[] _valid = new bool[256];

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
        _names = classNames.ToArray();
        if (_names.Length is 0 or > 255)
        {
            throw new ArgumentException($"A class set needs 1..255 classes; {_names.Length} were given.", nameof(classNames));
        }

        string? blank = _names.FirstOrDefault(string.IsNullOrWhiteSpace);
        string? duplicate = _names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (blank is not null || duplicate is not null)
        {
            throw new ArgumentException(blank is not null ? "Class names must not be empty." : $"Class name '{duplicate}' appears twice.", nameof(classNames));
        }

        if (ignoreValue < _names.Length)
        {
            throw new ArgumentException($"The ignore value {ignoreValue} is also the label of class '{_names[ignoreValue.Value]}'; use a value of at least {_names.Length}.", nameof(ignoreValue));
        }

        if (palette is not null && palette.Count < _names.Length)
        {
            throw new ArgumentException($"The palette has {palette.Count} colours for {_names.Length} classes.", nameof(palette));
        }

        Name = name;
        IgnoreValue = ignoreValue;
        Palette = palette;
        for (int i = 0; i < _names.Length; i++)
        {
            _valid[i] = true;
        }

        if (ignoreValue is byte ignore)
        {
            _valid[ignore] = true;
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
    public IReadOnlyList<string> ClassNames => _names;

    /// <summary>Number of classes; valid class labels are 0..ClassCount-1.</summary>
    public int ClassCount => _names.Length;

    /// <summary>The label of ignored pixels, or null when every pixel is labelled.</summary>
    public byte? IgnoreValue { get; }

    /// <summary>Colours by label value, or null.</summary>
    public Palette? Palette { get; }

    /// <summary>Whether <paramref name="label"/> is a class or the ignore value.</summary>
    public bool IsValidLabel(byte label) => _valid[label];

    /// <summary>The label of the named class (ordinal, case-insensitive), or -1.</summary>
    public int IndexOf(string className) => Array.FindIndex(_names, n => string.Equals(n, className, StringComparison.OrdinalIgnoreCase));

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

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("classes", out JsonElement classes) || classes.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("expected an object with a \"classes\" array of names");
            }

            string[] names = classes.EnumerateArray().Select(e => e.GetString() ?? throw new FormatException("class names must be strings")).ToArray();
            string name = root.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()!
                : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "dataset";
            byte? ignore = root.TryGetProperty("ignore", out JsonElement i) && i.ValueKind != JsonValueKind.Null
                ? (i.TryGetByte(out byte b) ? b : throw new FormatException($"\"ignore\" must be a label value 0..255, found {i.GetRawText()}"))
                : null;
            Palette? palette = null;
            if (root.TryGetProperty("palette", out JsonElement p) && p.ValueKind != JsonValueKind.Null)
            {
                palette = new Palette(p.EnumerateArray().Select(ParseColor));
            }

            return new SegmentationClassSet(name, names, ignore, palette);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new DatasetException(DatasetProblem.InvalidLayout, $"Class file {path} is malformed: {e.Message}", filePath: path, innerException: e);
        }
    }

    private static Rgb24 ParseColor(JsonElement element)
    {
        byte[] c = element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().Select(v => v.GetByte()).ToArray() : [];
        return c.Length == 3 ? new Rgb24(c[0], c[1], c[2]) : throw new FormatException($"palette entries must be [r, g, b] with values 0..255, found {element.GetRawText()}");
    }
}
