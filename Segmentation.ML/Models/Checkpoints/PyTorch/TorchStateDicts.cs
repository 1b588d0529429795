using System.Text;
using Segmentation.ML.Models.Checkpoints.Storage;

namespace Segmentation.ML.Models.Checkpoints.PyTorch;

/// <summary>
/// The storages a PyTorch pickle names through persistent ids, and the conversion of the unpickled object into a
/// <see cref="StateDict"/> once the reader has located the storages' bytes.
/// </summary>
internal sealed class TorchStorageTable(string? source)
{
    private readonly Dictionary<string, TorchStorage> roots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TorchStorage> views = new(StringComparer.Ordinal);

    /// <summary>The storages by key, in the order the pickle first named them.</summary>
    public IReadOnlyDictionary<string, TorchStorage> Roots => roots;

    /// <summary>
    /// Interprets a persistent id: <c>('storage', storage_type, key, location, numel)</c> in zip files, with a sixth
    /// item in legacy files, <c>view_metadata</c>: None or <c>(view_key, offset, view_numel)</c>.
    /// </summary>
    public TorchStorage Load(object? persistentId, string location)
    {
        if (persistentId is not object?[] { Length: 5 or 6 } id)
            throw Error($"a persistent id must be a tuple of 5 or 6 items; it is a {PickleValues.TypeName(persistentId)}.", location);
        string kind = Ascii(id[0]) ?? "";
        if (kind != "storage")
            throw Error(kind == "module"
                ? "the file pickles a whole nn.Module, not a state dict; save model.state_dict() instead."
                : $"a persistent id names a '{kind}'; only storages are supported.", location);
        if (id[1] is not PickleGlobal { Kind: GlobalKind.Storage } type)
            throw Error($"a storage's type must be a torch storage class; it is a {PickleValues.TypeName(id[1])}.", location);
        string key = id[2] switch
        {
            long number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => Ascii(id[2]) ?? throw Error($"a storage key must be a string; it is a {PickleValues.TypeName(id[2])}.", location),
        };
        if (id[4] is not long elements || elements < 0 || elements > long.MaxValue / 8)
            throw Error($"storage '{key}' declares {PickleValues.TypeName(id[4])} {id[4]} elements; a count in [0, 2^60] was expected.", location);

        if (roots.TryGetValue(key, out var root))
        {
            if (root.DType != type.StorageDType || root.Elements != elements)
                throw Error($"storage '{key}' is declared twice, as {root.Elements} × {root.DType} and as {elements} × {type.StorageDType}.", location);
        }
        else
        {
            root = new TorchStorage(key, type.StorageDType, elements);
            roots.Add(key, root);
        }
        return id.Length == 6 && id[5] is not null ? View(root, id[5], location) : root;
    }

    private TorchStorage View(TorchStorage root, object? metadata, string location)
    {
        if (metadata is not object?[] { Length: 3 } view || Ascii(view[0]) is not { } viewKey || view[1] is not long offset || view[2] is not long size)
            throw Error("a storage view must be (view_key, offset, size).", location);
        if (offset < 0 || size < 0 || offset > root.Elements - size)
            throw Error($"view '{viewKey}' covers elements [{offset}, {offset} + {size}) of storage '{root.Key}', which holds {root.Elements}.", location);
        if (!views.TryGetValue(viewKey, out var existing))
        {
            existing = new TorchStorage(viewKey, root.DType, size) { Root = root, RootOffset = offset };
            views.Add(viewKey, existing);
        }
        else if (existing.Root != root || existing.RootOffset != offset || existing.Elements != size)
            throw Error($"view '{viewKey}' is declared twice with different extents.", location);
        return existing;
    }

    private CheckpointFormatException Error(string reason, string location) => new(reason, source, location);

    /// <summary>A str, or bytes decoded as ASCII the way torch decodes Python 2 era ids.</summary>
    private static string? Ascii(object? value) => value switch
    {
        string text => text,
        byte[] bytes when bytes.All(b => b < 0x80) => Encoding.ASCII.GetString(bytes),
        _ => null,
    };
}

/// <summary>Turns the object a checkpoint's pickle produced into a <see cref="StateDict"/>.</summary>
internal static class TorchStateDicts
{
    /// <summary>Keys under which training checkpoints commonly nest the state dict.</summary>
    private static readonly string[] NestedStateDictKeys = ["state_dict", "model_state_dict", "model"];

    public static StateDict Build(object? root, string? source, string location, CheckpointFormat format)
    {
        if (root is not PickleDict dict)
            throw new CheckpointFormatException($"the checkpoint holds a {PickleValues.TypeName(root)}, not a state dict (a dict of tensors).", source, location);
        dict = Unwrap(dict);
        var tensors = new List<CheckpointTensor>(dict.Items.Count);
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name)
                throw new CheckpointFormatException($"a state dict key is a {PickleValues.TypeName(key)}; keys are strings such as 'features.0.weight'.", source, location);
            tensors.Add(Tensor(name, value, source));
        }
        return new StateDict(tensors, null, source, format);
    }

    private static CheckpointTensor Tensor(string name, object? value, string? source)
    {
        string where = $"tensor '{name}'";
        if (value is not TensorRecord record)
            throw new CheckpointFormatException($"the value is of type {PickleValues.TypeName(value)}, not a tensor; a state dict holds tensors only.", source, where);
        var storage = record.Storage;
        var bytes = storage.Resolve()
            ?? throw new CheckpointFormatException($"storage '{storage.Key}' has no data in the file.", source, where);
        var strides = TensorLayout.CheckView(record.Shape, record.Strides, record.Offset, storage.Elements, storage.DType, source, where);
        return new CheckpointTensor(name, storage.DType, record.Shape, bytes, record.Offset * storage.DType.ElementSize(), strides, source);
    }

    private static PickleDict Unwrap(PickleDict dict)
    {
        if (dict.Items.Any(item => item.Value is TensorRecord)) return dict;
        foreach (string key in NestedStateDictKeys)
        {
            if (dict.TryGetValue(key, out var nested) && nested is PickleDict inner) return inner;
        }
        return dict;
    }
}
