using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML;

/// <summary>A model zip cannot be read: corrupt, truncated, tampered with, or from an unknown component. Names the file and the entry.</summary>
public sealed class ModelFormatException(string message, string? path = null, string? entry = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The model file.</summary>
    public string? Path { get; } = path;

    /// <summary>The zip entry concerned, if any.</summary>
    public string? Entry { get; } = entry;
}

/// <summary>What a transformer writes when saved: its kind and version, JSON parameters and named float tensors.</summary>
public sealed class ModelSaveContext
{
    private readonly List<CheckpointTensor> tensors = [];

    internal ModelSaveContext() { }

    /// <summary>The component kind that <see cref="ModelComponents"/> maps back to a loader.</summary>
    public string? Kind { get; private set; }

    /// <summary>The component's format version.</summary>
    public int Version { get; private set; }

    /// <summary>Parameters written as <c>parameters.json</c>.</summary>
    public JsonObject Parameters { get; } = [];

    internal IReadOnlyList<CheckpointTensor> Tensors => tensors;

    /// <summary>Declares the component kind (e.g. <c>mycompany.MyTransform</c>) and format version.</summary>
    public void SetKind(string kind, int version = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        Kind = kind;
        Version = version;
    }

    /// <summary>Adds a float tensor, stored in the step's <c>tensors.safetensors</c>.</summary>
    public void AddTensor(string name, ReadOnlySpan<float> values, params int[] shape)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length)
            throw new ArgumentException($"Tensor '{name}' has {values.Length} values but shape [{string.Join(", ", shape)}] needs {count}.", nameof(values));
        tensors.Add(CheckpointTensor.FromFloat32(name, shape, values));
    }
}

/// <summary>What a loader reads: the step's kind, version, parameters and tensors, with errors that name the entry.</summary>
public sealed class ModelLoadContext
{
    private readonly StateDict tensors;

    internal ModelLoadContext(SegmentationContext context, string path, string entry, string kind, int version, JsonObject parameters, StateDict tensors)
    {
        Context = context;
        Path = path;
        Entry = entry;
        Kind = kind;
        Version = version;
        Parameters = parameters;
        this.tensors = tensors;
    }

    /// <summary>The context the model is loaded into.</summary>
    public SegmentationContext Context { get; }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>The step's folder inside the zip.</summary>
    public string Entry { get; }

    /// <summary>The component kind.</summary>
    public string Kind { get; }

    /// <summary>The format version the step was written with.</summary>
    public int Version { get; }

    /// <summary>The step's parameters.</summary>
    public JsonObject Parameters { get; }

    /// <summary>A required parameter.</summary>
    /// <exception cref="ModelFormatException">It is missing or not a <typeparamref name="T"/>.</exception>
    public T Get<T>(string name)
    {
        try
        {
            var node = Parameters[name] ?? throw new ModelFormatException($"Step '{Entry}' ({Kind}) lacks parameter '{name}'.", Path, Entry);
            return node.Deserialize<T>() ?? throw new ModelFormatException($"Parameter '{name}' of step '{Entry}' is null.", Path, Entry);
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"Parameter '{name}' of step '{Entry}' ({Kind}) is not a {typeof(T).Name}: {error.Message}", Path, Entry, error);
        }
    }

    /// <summary>A required float tensor with the given shape.</summary>
    /// <exception cref="ModelFormatException">It is missing or its shape differs.</exception>
    public float[] GetTensor(string name, params int[] shape)
    {
        if (!tensors.TryGetValue(name, out var tensor))
            throw new ModelFormatException($"Step '{Entry}' ({Kind}) lacks tensor '{name}'.", Path, Entry);
        if (!tensor.Shape.SequenceEqual(shape))
            throw new ModelFormatException($"Tensor '{name}' of step '{Entry}' has shape [{string.Join(", ", tensor.Shape)}]; [{string.Join(", ", shape)}] was expected.", Path, Entry);
        return tensor.ToFloat32();
    }
}

/// <summary>
/// The registry that turns a saved step back into a transformer. Built-in components are registered
/// already; register your own kind once (for example in a static constructor) before loading a model that uses it.
/// </summary>
public static class ModelComponents
{
    private static readonly Dictionary<string, Func<ModelLoadContext, ITransformer>> Loaders = new(StringComparer.Ordinal);

    /// <summary>Registers (or replaces) the loader of <paramref name="kind"/>.</summary>
    public static void Register(string kind, Func<ModelLoadContext, ITransformer> load)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(load);
        lock (Loaders) Loaders[kind] = load;
    }

    /// <summary>Whether a loader is registered for <paramref name="kind"/>.</summary>
    public static bool IsRegistered(string kind)
    {
        BuiltInComponents.EnsureRegistered();
        lock (Loaders) return Loaders.ContainsKey(kind);
    }

    internal static ITransformer Load(ModelLoadContext context)
    {
        BuiltInComponents.EnsureRegistered();
        Func<ModelLoadContext, ITransformer>? load;
        lock (Loaders) Loaders.TryGetValue(context.Kind, out load);
        if (load is null)
            throw new ModelFormatException($"Step '{context.Entry}' is a '{context.Kind}', for which no loader is registered. Call ModelComponents.Register(\"{context.Kind}\", …) before loading.", context.Path, context.Entry);
        return load(context);
    }
}

/// <summary>Saving and loading models as zip files.</summary>
public sealed class ModelOperationsCatalog
{
    /// <summary>The zip format this version writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    private const string FormatName = "segml-model";
    private const string ManifestEntry = "manifest.json";

    internal ModelOperationsCatalog(SegmentationContext context) => Context = context;

    /// <summary>The context models are loaded into.</summary>
    public SegmentationContext Context { get; }

    /// <summary>
    /// Saves <paramref name="model"/> (a transformer or a chain of them) and the schema it expects to
    /// <paramref name="path"/>: written to a temporary file beside it and moved into place, so an
    /// interrupted save leaves no file behind.
    /// </summary>
    /// <exception cref="ArgumentException">A step does not declare its kind in Save.</exception>
    public void Save(ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        string full = System.IO.Path.GetFullPath(path);
        string temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
            {
                var steps = new JsonArray();
                int index = 0;
                foreach (var step in model is IEnumerable<ITransformer> chain ? chain : [model])
                {
                    var context = new ModelSaveContext();
                    step.Save(context);
                    if (context.Kind is null)
                        throw new ArgumentException($"{step.GetType().Name}.Save did not call SetKind; a step must name its kind to be loadable.", nameof(model));
                    string entry = $"steps/{index:D2}/";
                    WriteJson(zip, entry + "parameters.json", context.Parameters);
                    var tensors = zip.CreateEntry(entry + "tensors.safetensors", CompressionLevel.Fastest);
                    using (var stream = tensors.Open()) SafetensorsFile.Write(stream, context.Tensors);
                    steps.Add(new JsonObject { ["index"] = index, ["kind"] = context.Kind, ["version"] = context.Version, ["entry"] = entry });
                    index++;
                }
                WriteJson(zip, ManifestEntry, new JsonObject
                {
                    ["format"] = FormatName,
                    ["format_version"] = FormatVersion,
                    ["library_version"] = typeof(ModelOperationsCatalog).Assembly.GetName().Version?.ToString(),
                    ["input_schema"] = SchemaCodec.Write(inputSchema),
                    ["steps"] = steps,
                });
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Loads a model saved by <see cref="Save"/>, validating every entry; <paramref name="inputSchema"/> receives the schema it expects.</summary>
    /// <exception cref="ModelFormatException">The file is not a model zip, is truncated or tampered with, is from a newer format, or uses an unregistered component.</exception>
    public TransformerChain<ITransformer> Load(string path, out DataViewSchema inputSchema)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ModelFormatException($"The model file '{full}' does not exist.", full);
        try
        {
            using var zip = ZipFile.OpenRead(full);
            var manifest = ReadJson(zip, full, ManifestEntry);
            string? format = manifest["format"]?.GetValue<string>();
            if (format != FormatName)
                throw new ModelFormatException($"'{full}' is a zip but not a segml model (its manifest says format '{format}').", full, ManifestEntry);
            int version = manifest["format_version"]?.GetValue<int>() ?? 0;
            if (version < 1 || version > FormatVersion)
                throw new ModelFormatException($"'{full}' has model format version {version}; this segml reads versions 1 to {FormatVersion}. Upgrade segml to load it.", full, ManifestEntry);
            inputSchema = SchemaCodec.Read(manifest["input_schema"] as JsonArray
                ?? throw new ModelFormatException($"The manifest of '{full}' has no input_schema.", full, ManifestEntry), full);
            var steps = manifest["steps"] as JsonArray ?? throw new ModelFormatException($"The manifest of '{full}' has no steps.", full, ManifestEntry);
            var loaded = new List<ITransformer>();
            foreach (var node in steps)
            {
                string entry = node?["entry"]?.GetValue<string>() ?? throw new ModelFormatException($"A step in the manifest of '{full}' has no entry.", full, ManifestEntry);
                string kind = node["kind"]?.GetValue<string>() ?? throw new ModelFormatException($"Step '{entry}' has no kind.", full, ManifestEntry);
                int stepVersion = node["version"]?.GetValue<int>() ?? 1;
                var parameters = ReadJson(zip, full, entry + "parameters.json");
                var tensors = ReadTensors(zip, full, entry + "tensors.safetensors");
                loaded.Add(ModelComponents.Load(new ModelLoadContext(Context, full, entry, kind, stepVersion, parameters, tensors)));
            }
            return new TransformerChain<ITransformer>(loaded);
        }
        catch (Exception error) when (error is InvalidDataException or IOException or JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"'{full}' is not a readable model zip (corrupt or truncated): {error.Message}", full, null, error);
        }
    }

    private static void WriteJson(ZipArchive zip, string name, JsonObject content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        content.WriteTo(writer);
    }

    private static JsonObject ReadJson(ZipArchive zip, string path, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new ModelFormatException($"'{path}' lacks the entry '{name}'.", path, name);
        try
        {
            using var stream = entry.Open();
            return JsonNode.Parse(stream) as JsonObject ?? throw new ModelFormatException($"Entry '{name}' of '{path}' is not a JSON object.", path, name);
        }
        catch (Exception error) when (error is JsonException or InvalidDataException or IOException)
        {
            throw new ModelFormatException($"Entry '{name}' of '{path}' is corrupt: {error.Message}", path, name, error);
        }
    }

    private static StateDict ReadTensors(ZipArchive zip, string path, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new ModelFormatException($"'{path}' lacks the entry '{name}'.", path, name);
        try
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return SafetensorsFile.Read(copy, name);
        }
        catch (Exception error) when (error is CheckpointFormatException or InvalidDataException or IOException)
        {
            throw new ModelFormatException($"Entry '{name}' of '{path}' is corrupt: {error.Message}", path, name, error);
        }
    }
}

/// <summary>Writes and reads a schema as JSON, class sets of label maps included.</summary>
internal static class SchemaCodec
{
    public static JsonArray Write(DataViewSchema schema)
    {
        var columns = new JsonArray();
        foreach (var column in schema.Visible)
        {
            var node = new JsonObject { ["name"] = column.Name, ["type"] = TypeName(column.Type) };
            switch (column.Type)
            {
                case ImageDataViewType image:
                    node["height"] = image.Height;
                    node["width"] = image.Width;
                    break;
                case LabelMapDataViewType labels:
                    node["height"] = labels.Height;
                    node["width"] = labels.Width;
                    node["classes"] = WriteClasses(labels.Classes);
                    break;
                case VectorDataViewType vector:
                    node["size"] = vector.Size;
                    break;
                case TensorDataViewType tensor:
                    node["dimensions"] = new JsonArray(tensor.Dimensions.Select(d => (JsonNode)d).ToArray());
                    break;
            }
            columns.Add(node);
        }
        return columns;
    }

    public static DataViewSchema Read(JsonArray columns, string path)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var node in columns)
        {
            string name = node?["name"]?.GetValue<string>() ?? throw new ModelFormatException($"An input_schema column of '{path}' has no name.", path, "manifest.json");
            string type = node["type"]?.GetValue<string>() ?? "";
            int Int(string key) => node[key]?.GetValue<int>() ?? 0;
            DataViewType parsed = type switch
            {
                "Single" => NumberDataViewType.Single,
                "Double" => NumberDataViewType.Double,
                "Int32" => NumberDataViewType.Int32,
                "Int64" => NumberDataViewType.Int64,
                "Byte" => NumberDataViewType.Byte,
                "Text" => TextDataViewType.Instance,
                "Boolean" => BooleanDataViewType.Instance,
                "Image" => new ImageDataViewType(Int("height"), Int("width")),
                "LabelMap" => new LabelMapDataViewType(ReadClasses(node["classes"] as JsonObject, path), Int("height"), Int("width")),
                "Vector" => new VectorDataViewType(Int("size")),
                "Tensor" => new TensorDataViewType((node["dimensions"] as JsonArray ?? []).Select(d => d!.GetValue<int>()).ToArray()),
                _ => throw new ModelFormatException($"Column '{name}' of the input schema of '{path}' has unknown type '{type}'.", path, "manifest.json"),
            };
            builder.AddColumn(name, parsed);
        }
        return builder.ToSchema();
    }

    internal static JsonObject WriteClasses(SegmentationClassSet classes)
    {
        var node = new JsonObject
        {
            ["name"] = classes.Name,
            ["names"] = new JsonArray(classes.ClassNames.Select(n => (JsonNode)n).ToArray()),
            ["ignore"] = classes.IgnoreValue is byte ignore ? ignore : null,
        };
        if (classes.Palette is Palette palette)
            node["palette"] = new JsonArray(Enumerable.Range(0, palette.Count).Select(i => (JsonNode)new JsonArray(palette[i].R, palette[i].G, palette[i].B)).ToArray());
        return node;
    }

    internal static SegmentationClassSet ReadClasses(JsonObject? node, string path)
    {
        if (node is null) throw new ModelFormatException($"A label column of '{path}' has no classes.", path, "manifest.json");
        var names = (node["names"] as JsonArray ?? []).Select(n => n!.GetValue<string>()).ToArray();
        byte? ignore = node["ignore"] is JsonNode i ? i.GetValue<byte>() : null;
        Palette? palette = node["palette"] is JsonArray colours
            ? new Palette(colours.Select(c => new Rgb24(c![0]!.GetValue<byte>(), c[1]!.GetValue<byte>(), c[2]!.GetValue<byte>())).ToArray())
            : null;
        return new SegmentationClassSet(node["name"]?.GetValue<string>() ?? "classes", names, ignore, palette);
    }

    private static string TypeName(DataViewType type) => type switch
    {
        NumberDataViewType number => number.ToString(),
        TextDataViewType => "Text",
        BooleanDataViewType => "Boolean",
        ImageDataViewType => "Image",
        LabelMapDataViewType => "LabelMap",
        VectorDataViewType => "Vector",
        TensorDataViewType => "Tensor",
        _ => throw new ArgumentException($"Columns of type {type} cannot be saved in a model's input schema."),
    };
}
