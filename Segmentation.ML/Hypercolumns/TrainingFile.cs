using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Hypercolumns;

/// <summary>One tensor of a training file: float32 values or raw bytes (U8), row-major.</summary>
internal sealed record TrainingTensor(string Name, int[] Shape, float[]? Floats, byte[]? Bytes)
{
    public CheckpointDType DType => Floats is not null ? CheckpointDType.F32 : CheckpointDType.U8;

    public ReadOnlySpan<byte> Data => Floats is not null ? MemoryMarshal.AsBytes(Floats.AsSpan()) : Bytes;

    public static TrainingTensor Of(string name, float[] values, params int[] shape) => new(name, shape, values, null);

    public static TrainingTensor Of(string name, byte[] values, params int[] shape) => new(name, shape, null, values);
}

/// <summary>
/// The files the trainer writes for itself — the sample cache and stage B checkpoints — as safetensors that describe
/// themselves: a format name and version, the settings they were made with (<c>setting.*</c>) and a SHA-256 over every
/// other metadata field and every tensor's name, dtype, shape and bytes, so damage anywhere is found on load instead of
/// being trained on. <see cref="TrainingFileReader"/> checks them field by field.
/// </summary>
internal static class TrainingFile
{
    public const string FormatKey = "format", VersionKey = "version", DigestKey = "sha256", SettingPrefix = "setting.";

    /// <summary>Writes atomically (a temporary file, then a move).</summary>
    /// <param name="fields">Format-specific metadata; must not use the reserved keys.</param>
    /// <param name="settings">What the file was made with, compared on load by <see cref="TrainingFileReader.ExpectSettings"/>.</param>
    public static void Write(string path, string format, int version, IReadOnlyDictionary<string, string> fields, IReadOnlyDictionary<string, string> settings,
        IReadOnlyList<TrainingTensor> tensors)
    {
        var metadata = new Dictionary<string, string>(fields, StringComparer.Ordinal)
        {
            [FormatKey] = format,
            [VersionKey] = version.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in settings) metadata[SettingPrefix + name] = value;
        metadata[DigestKey] = Digest(metadata, tensors.Select(t => (t.Name, t.DType, t.Shape, t.Floats is not null ? (Array)t.Floats : t.Bytes!)));
        SafetensorsFile.Write(path, tensors.Select(t => CheckpointTensor.FromBytes(t.Name, t.DType, t.Shape, t.Data)), metadata);
    }

    /// <summary>SHA-256 over the metadata (sorted by key, <see cref="DigestKey"/> left out) and the tensors (sorted by name), as hex.</summary>
    public static string Digest(IReadOnlyDictionary<string, string> metadata, IEnumerable<(string Name, CheckpointDType DType, int[] Shape, Array Values)> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string text)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(text));
            hash.AppendData([0]);
        }
        foreach (var (key, value) in metadata.Where(m => m.Key != DigestKey).OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            Text(key);
            Text(value);
        }
        foreach (var (name, dtype, shape, values) in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            Text(name);
            Text($"{dtype} {CheckpointTensor.FormatShape(shape)}");
            hash.AppendData(values is float[] floats ? MemoryMarshal.AsBytes(floats.AsSpan()) : (byte[])values);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Settings text for a class set, so that a file made for other classes is recognised.</summary>
    public static string DescribeClasses(SegmentationClassSet classes) =>
        $"{classes.Name}: {string.Join(", ", classes.ClassNames)}; ignore {(classes.IgnoreValue is byte ignore ? ignore.ToString(CultureInfo.InvariantCulture) : "none")}";
}

/// <summary>
/// Reads a <see cref="TrainingFile"/>: format, version and digest first (so that a damaged file is called damaged), then
/// the caller asks for each setting, field and tensor with the exact shape it needs. Every problem is a
/// <see cref="CheckpointFormatException"/> naming the file and field, what was expected and found, and what to do.
/// </summary>
internal sealed class TrainingFileReader
{
    private readonly string path;
    private readonly string what;
    private readonly string remedy;
    private readonly IReadOnlyDictionary<string, string> metadata;
    private readonly Dictionary<string, (CheckpointDType DType, int[] Shape, Array Values)> tensors;
    private readonly HashSet<string> taken = new(StringComparer.Ordinal);

    private TrainingFileReader(string path, string what, string remedy, IReadOnlyDictionary<string, string> metadata,
        Dictionary<string, (CheckpointDType, int[], Array)> tensors)
    {
        this.path = path;
        this.what = what;
        this.remedy = remedy;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /// <param name="what">What the file is, for messages: "sample cache", "stage B checkpoint".</param>
    /// <param name="remedy">What to do about a bad file, e.g. "delete it to sample again".</param>
    /// <exception cref="CheckpointFormatException">The file is damaged, of another format or version, or not safetensors.</exception>
    public static TrainingFileReader Open(string path, string format, int version, string what, string remedy)
    {
        StateDict state;
        try
        {
            state = SafetensorsFile.Read(path);
        }
        catch (CheckpointFormatException e)
        {
            throw new CheckpointFormatException($"{e.Reason} {Sentence(remedy)}", path, e.Entry is null ? what : $"{what}, {e.Entry}", e);
        }
        var metadata = state.Metadata;
        CheckpointFormatException Error(string key, string reason) => new($"{reason} {Sentence(remedy)}", path, $"{what}, field '{key}'");

        if (!metadata.TryGetValue(TrainingFile.FormatKey, out var actualFormat))
            throw Error(TrainingFile.FormatKey, $"the field is missing, so this is not a {what} written by this segml (older versions wrote no format).");
        if (actualFormat != format)
            throw Error(TrainingFile.FormatKey, $"the file is a '{Shorten(actualFormat)}', not a {what} ('{format}').");
        if (!metadata.TryGetValue(TrainingFile.VersionKey, out var versionText))
            throw Error(TrainingFile.VersionKey, "the field is missing.");
        if (!int.TryParse(versionText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int actualVersion))
            throw Error(TrainingFile.VersionKey, $"'{Shorten(versionText)}' is not a format version (an integer).");
        if (actualVersion != version)
            throw Error(TrainingFile.VersionKey, actualVersion > version
                ? $"the file has format version {actualVersion}, written by a newer segml; this one reads version {version}."
                : $"format version {actualVersion} is not one this segml reads (it reads version {version}).");

        var values = new Dictionary<string, (CheckpointDType, int[], Array)>(StringComparer.Ordinal);
        foreach (var tensor in state.Tensors)
        {
            Array read = tensor.DType == CheckpointDType.F32 ? tensor.ToFloat32() : tensor.ToBytes();
            values.Add(tensor.Name, (tensor.DType, tensor.Shape, read));
        }
        if (!metadata.TryGetValue(TrainingFile.DigestKey, out var digest))
            throw Error(TrainingFile.DigestKey, "the field is missing, so the file cannot be verified.");
        if (digest != TrainingFile.Digest(metadata, values.Select(v => (v.Key, v.Value.Item1, v.Value.Item2, v.Value.Item3))))
            throw Error(TrainingFile.DigestKey, "the file fails its SHA-256 check: it was damaged or changed after it was written.");
        return new TrainingFileReader(path, what, remedy, metadata, values);
    }

    /// <summary>Refuses a file made with other settings, listing every difference.</summary>
    public void ExpectSettings(IReadOnlyDictionary<string, string> expected)
    {
        var recorded = metadata.Where(m => m.Key.StartsWith(TrainingFile.SettingPrefix, StringComparison.Ordinal))
            .ToDictionary(m => m.Key[TrainingFile.SettingPrefix.Length..], m => m.Value, StringComparer.Ordinal);
        var differences = expected.Keys.Union(recorded.Keys).Order(StringComparer.Ordinal)
            .Where(key => !(expected.TryGetValue(key, out var wanted) && recorded.TryGetValue(key, out var found) && wanted == found))
            .Select(key => $"{key}: {(recorded.TryGetValue(key, out var found) ? $"'{Shorten(found)}'" : "not recorded")} in the file, " +
                           $"{(expected.TryGetValue(key, out var wanted) ? $"'{Shorten(wanted)}'" : "not set")} in this run")
            .ToList();
        if (differences.Count > 0)
            throw new CheckpointFormatException($"the {what} was made with other settings ({string.Join("; ", differences)}). Train with the same settings, or {remedy}.",
                path, what);
    }

    /// <summary>A required metadata field.</summary>
    public string Field(string key) =>
        metadata.TryGetValue(key, out var value) ? value : throw Error(key, "the field is missing.");

    /// <summary>A required integer field in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int IntField(string key, int min, int max)
    {
        string text = Field(key);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw Error(key, $"'{Shorten(text)}' is not an integer in [{min}, {max}].");
        return value;
    }

    /// <summary>The class set stored as <see cref="SegmentationClassSet.ToJson"/> writes it.</summary>
    public SegmentationClassSet Classes(string key)
    {
        string text = Field(key);
        try
        {
            return SegmentationClassSet.Parse(System.Text.Encoding.UTF8.GetBytes(text));
        }
        catch (FormatException e)
        {
            throw new CheckpointFormatException($"the classes are not valid ({e.Message}). {Sentence(remedy)}", path, $"{what}, field '{key}'", e);
        }
    }

    /// <summary>The shape of a required tensor, which must have <paramref name="rank"/> dimensions.</summary>
    public int[] ShapeOf(string name, int rank)
    {
        var (_, shape, _) = Tensor(name);
        if (shape.Length != rank)
            throw TensorError(name, $"it has shape {CheckpointTensor.FormatShape(shape)}; {rank} dimensions were expected.");
        return shape;
    }

    /// <summary>A required float32 tensor of exactly <paramref name="shape"/>, every value finite.</summary>
    public float[] Floats(string name, params int[] shape)
    {
        var values = (float[])Expect(name, CheckpointDType.F32, shape);
        if (!TensorPrimitives.IsFiniteAll<float>(values))
            throw TensorError(name, $"element {Array.FindIndex(values, v => !float.IsFinite(v))} is {values.First(v => !float.IsFinite(v))}; every value must be finite.");
        return values;
    }

    /// <summary>A required byte tensor of exactly <paramref name="shape"/>.</summary>
    public byte[] Bytes(string name, params int[] shape) => (byte[])Expect(name, CheckpointDType.U8, shape);

    /// <summary>Refuses tensors no one asked for (a renamed or foreign tensor).</summary>
    public void RequireNoOthers()
    {
        if (tensors.Keys.FirstOrDefault(name => !taken.Contains(name)) is string extra)
            throw TensorError(extra, $"a {what} has no tensor of this name.");
    }

    /// <summary>An error about the contents, with the remedy appended.</summary>
    public CheckpointFormatException Error(string key, string reason) => new($"{reason} {Sentence(remedy)}", path, $"{what}, field '{key}'");

    private CheckpointFormatException TensorError(string name, string reason) => new($"{reason} {Sentence(remedy)}", path, $"{what}, tensor '{Shorten(name)}'");

    private static string Sentence(string clause) => char.ToUpperInvariant(clause[0]) + clause[1..] + ".";

    private (CheckpointDType DType, int[] Shape, Array Values) Tensor(string name)
    {
        if (!tensors.TryGetValue(name, out var tensor)) throw TensorError(name, "the tensor is missing.");
        taken.Add(name);
        return tensor;
    }

    private Array Expect(string name, CheckpointDType dtype, int[] shape)
    {
        var (actualType, actualShape, values) = Tensor(name);
        if (actualType != dtype || !actualShape.AsSpan().SequenceEqual(shape))
            throw TensorError(name, $"it is {actualType} {CheckpointTensor.FormatShape(actualShape)}; {dtype} {CheckpointTensor.FormatShape(shape)} was expected.");
        return values;
    }

    private JsonElement Property(JsonElement element, string name, JsonValueKind kind, string key) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == kind ? value : throw Error(key, $"the classes have no {kind.ToString().ToLowerInvariant()} '{name}'.");

    private JsonElement[] Items(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().ToArray() : throw Error(key, "a palette is not an array.");

    private byte Byte(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetByte(out byte value) ? value : throw Error(key, $"{Shorten(element.GetRawText())} is not a byte value.");

    /// <summary>A value quoted in a message, cut to a readable length (a damaged field can be megabytes long).</summary>
    private static string Shorten(string text) => text.Length <= 240 ? text : text[..237] + "…";
}
