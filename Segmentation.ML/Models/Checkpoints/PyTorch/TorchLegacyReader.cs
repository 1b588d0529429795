using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using Segmentation.ML.Models.Checkpoints.Storage;

namespace Segmentation.ML.Models.Checkpoints.PyTorch;

/// <summary>
/// Reads PyTorch's legacy (pre-1.6, non-zip) format, in which torchvision's original VGG and MobileNetV2 checkpoints
/// were saved: five pickles back to back — the magic number 0x1950a86a20f9469cfc6c, the protocol version 1001, a
/// sys_info dict, the state dict (storages as persistent ids), the sorted list of storage keys — then, for each key in
/// that order, an int64 little-endian element count followed by the storage's raw bytes, read lazily in place.
/// </summary>
internal static class TorchLegacyReader
{
    private const long ProtocolVersion = 1001;
    private static readonly BigInteger MagicNumber = BigInteger.Parse("01950a86a20f9469cfc6c", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>Whether the input starts like a legacy checkpoint: pickle protocol 2 and a LONG1 holding the 10-byte magic number.</summary>
    public static bool LooksLikeLegacy(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && head[0] == 0x80 && head[1] is >= 2 and <= 5 && head[2] == 0x8a && head[3] == 10;

    /// <summary>Whether the input is a tar archive: the format of PyTorch releases before March 2017 (ustar magic at byte 257).</summary>
    public static bool LooksLikeTar(ReadOnlySpan<byte> head) =>
        head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8);

    public static StateDict Read(CheckpointInput input, CheckpointLimits limits)
    {
        string? source = input.Name;
        var stream = input.Stream;
        stream.Position = 0;
        object? Unpickle(string part, Func<object?, string, TorchStorage> persistentLoad) =>
            new RestrictedUnpickler(stream, input.Length, source, part, persistentLoad, limits.MaxMetadataBytes).Load();
        TorchStorage NoStorages(object? id, string location) =>
            throw new CheckpointFormatException("a persistent id appears where none belongs.", source, location);

        if (Unpickle("magic number", NoStorages) is not BigInteger magic || magic != MagicNumber)
            throw new CheckpointFormatException("the file does not start with PyTorch's magic number 0x1950a86a20f9469cfc6c, so it is not a legacy PyTorch checkpoint.", source, "magic number");
        if (Unpickle("protocol version", NoStorages) is not long version || version != ProtocolVersion)
            throw new CheckpointFormatException($"the legacy protocol version must be {ProtocolVersion}.", source, "protocol version");
        if (Unpickle("sys_info", NoStorages) is PickleDict info && info.TryGetValue("little_endian", out var little) && little is false)
            throw new CheckpointFormatException("the checkpoint was saved on a big-endian machine; only little-endian checkpoints are supported.", source, "sys_info");

        var storages = new TorchStorageTable(source);
        long pickleStart = stream.Position;
        object? root = Unpickle($"state dict pickle at byte {pickleStart}", storages.Load);
        if (Unpickle("storage key list", NoStorages) is not List<object?> keys)
            throw new CheckpointFormatException("the pickle after the state dict must be the list of storage keys.", source, "storage key list");

        long position = stream.Position;
        var located = new HashSet<string>(StringComparer.Ordinal);
        Span<byte> count = stackalloc byte[8];
        foreach (var item in keys)
        {
            string key = item is string text ? text : item is byte[] bytes ? Encoding.ASCII.GetString(bytes) : throw new CheckpointFormatException(
                $"a storage key is a {PickleValues.TypeName(item)}; keys are strings.", source, "storage key list");
            string where = $"storage '{key}' at byte {position}";
            if (!storages.Roots.TryGetValue(key, out var storage))
                throw new CheckpointFormatException("the key list names a storage the state dict never uses.", source, where);
            if (!located.Add(key))
                throw new CheckpointFormatException("the key list names this storage twice.", source, where);
            if (position > input.Length - 8)
                throw new CheckpointFormatException("the file ends before this storage's element count; it is truncated.", source, where);
            input.ReadAt(position, count);
            long elements = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (elements != storage.Elements)
                throw new CheckpointFormatException($"the storage holds {elements} elements; the pickle declares {storage.Elements}.", source, where);
            long length = elements * storage.DType.ElementSize();
            if (length > input.Length - position - 8)
                throw new CheckpointFormatException($"the storage needs {length} bytes but only {input.Length - position - 8} remain; the file is truncated.", source, where);
            storage.Bytes = input.Slice(position + 8, length);
            position += 8 + length;
        }
        return TorchStateDicts.Build(root, source, $"state dict pickle at byte {pickleStart}", CheckpointFormat.PyTorchLegacy);
    }
}
