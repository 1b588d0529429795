using System.Numerics;
using Segmentation.ML.Models.Checkpoints.Storage;

namespace Segmentation.ML.Models.Checkpoints.PyTorch;

/// <summary>
/// What the restricted unpickler builds. Python values map to: None → null, bool → <see cref="bool"/>, int →
/// <see cref="long"/> (or <see cref="BigInteger"/> beyond 64 bits), float → <see cref="double"/>, str →
/// <see cref="string"/>, bytes → <see cref="byte"/>[], tuple → <see cref="object"/>[], list → <see cref="List{T}"/>,
/// dict and OrderedDict → <see cref="PickleDict"/>, an allowed global → <see cref="PickleGlobal"/>, a storage →
/// <see cref="TorchStorage"/>, a rebuilt tensor → <see cref="TensorRecord"/>. Nothing else can exist.
/// </summary>
internal static class PickleValues
{
    /// <summary>A Python-flavoured type name for error messages (never the value itself: it may be huge or cyclic).</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "None",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        object?[] => "tuple",
        List<object?> => "list",
        PickleDict => "dict",
        PickleGlobal global => $"global {global.Name}",
        TorchStorage => "storage",
        TensorRecord => "tensor",
        _ => value.GetType().Name,
    };
}

/// <summary>The kinds of global the unpickler may import.</summary>
internal enum GlobalKind
{
    OrderedDict,
    RebuildTensor,
    RebuildTensorV2,
    RebuildParameter,
    RebuildParameterWithState,
    TorchSize,
    Storage,
}

/// <summary>An allowed Python global: a callable the unpickler interprets itself, or a storage type.</summary>
internal sealed record PickleGlobal(string Name, GlobalKind Kind, CheckpointDType StorageDType = default);

/// <summary>A Python dict (insertion-ordered, as OrderedDict and Python 3.7+ dicts are) with str, int or bool keys.</summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> items = [];
    private readonly Dictionary<object, int> index = [];

    public IReadOnlyList<KeyValuePair<object, object?>> Items => items;

    public bool TryGetValue(object key, out object? value)
    {
        bool found = index.TryGetValue(key, out int position);
        value = found ? items[position].Value : null;
        return found;
    }

    /// <summary>Sets a key like Python does: a new key goes last, an existing key keeps its place and takes the new value.</summary>
    /// <returns>False when the key is not of a supported type.</returns>
    public bool TrySet(object? key, object? value)
    {
        if (key is not (string or long or bool or BigInteger)) return false;
        if (index.TryGetValue(key, out int position))
            items[position] = new(key, value);
        else
        {
            index[key] = items.Count;
            items.Add(new(key, value));
        }
        return true;
    }
}

/// <summary>
/// A PyTorch storage named by a persistent id: its key, dtype and element count as the pickle declares them, and
/// its bytes once the reader has located them (or, for a legacy view, the root storage and the view's offset).
/// </summary>
internal sealed class TorchStorage
{
    public TorchStorage(string key, CheckpointDType dtype, long elements)
    {
        Key = key;
        DType = dtype;
        Elements = elements;
    }

    public string Key { get; }

    public CheckpointDType DType { get; }

    public long Elements { get; }

    /// <summary>The bytes, once located; null until then.</summary>
    public StorageBytes? Bytes { get; set; }

    /// <summary>For a legacy storage view: the storage viewed.</summary>
    public TorchStorage? Root { get; init; }

    /// <summary>For a legacy storage view: its first element in <see cref="Root"/>.</summary>
    public long RootOffset { get; init; }

    /// <summary>The located bytes, or null when the file never supplied them.</summary>
    public StorageBytes? Resolve()
    {
        if (Root is null) return Bytes;
        int size = DType.ElementSize();
        return Root.Resolve()?.Slice(RootOffset * size, Elements * size);
    }
}

/// <summary>A tensor as <c>torch._utils._rebuild_tensor[_v2]</c> describes it: a storage, an element offset, a shape and strides.</summary>
internal sealed record TensorRecord(TorchStorage Storage, long Offset, int[] Shape, long[] Strides);
