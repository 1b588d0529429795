using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Segmentation.ML.Models.Checkpoints.Storage;

namespace Segmentation.ML.Models.Checkpoints.Safetensors;

/// <summary>
/// Parses and validates a safetensors file: 8-byte little-endian header length N, N bytes of UTF-8 JSON (an object
/// mapping tensor names to <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> relative to the data section, plus an
/// optional <c>__metadata__</c> object of strings), then the data section, which the tensors must cover exactly:
/// no overlaps, no holes, nothing past its end.
/// </summary>
internal static class SafetensorsReader
{
    /// <summary>The largest header accepted; the reference implementation uses the same bound.</summary>
    public const long MaxHeaderLength = 100_000_000;

    public const string MetadataKey = "__metadata__";

    private sealed record Entry(string Name, CheckpointDType DType, int[] Shape, long Begin, long End);

    public static StateDict Read(CheckpointInput input, CheckpointLimits limits)
    {
        string? source = input.Name;
        if (input.Length < 8)
            throw new CheckpointFormatException($"the file is {input.Length} bytes long; a safetensors file starts with an 8-byte header length.", source);
        Span<byte> prefix = stackalloc byte[8];
        input.ReadAt(0, prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(input.Length - 8))
            throw new CheckpointFormatException($"the header length field says {headerLength} bytes, but only {input.Length - 8} bytes follow it; the file is truncated or not safetensors.", source, "header");
        if (headerLength > MaxHeaderLength)
            throw new CheckpointFormatException($"the header length field says {headerLength} bytes; at most {MaxHeaderLength} are accepted.", source, "header");
        if (headerLength > (ulong)limits.MaxMetadataBytes)
            throw new CheckpointFormatException($"the header length field says {headerLength} bytes, more than the limit of {limits.MaxMetadataBytes} " +
                                                "(CheckpointLimits.MaxMetadataBytes); raise the limit to read it.", source, "header");
        if (headerLength < 2)
            throw new CheckpointFormatException($"the header length field says {headerLength} bytes; a header is a JSON object of at least 2 bytes.", source, "header");

        var header = new byte[headerLength];
        input.ReadAt(8, header);
        long dataStart = 8 + (long)headerLength;
        long dataLength = input.Length - dataStart;
        var (entries, metadata) = ParseHeader(header, source);
        CheckCoverage(entries, dataLength, source);

        var tensors = entries.Select(e => new CheckpointTensor(e.Name, e.DType, e.Shape, input.Slice(dataStart + e.Begin, e.End - e.Begin), 0, null, source));
        return new StateDict(tensors, metadata, source, CheckpointFormat.Safetensors);
    }

    private static (List<Entry> Entries, Dictionary<string, string>? Metadata) ParseHeader(byte[] header, string? source)
    {
        if (header[0] != (byte)'{')
            throw new CheckpointFormatException($"the header must be a JSON object starting with '{{'; it starts with byte 0x{header[0]:X2}.", source, "header");
        if (!Utf8.IsValid(header))
            throw new CheckpointFormatException("the header is not valid UTF-8.", source, "header");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"the header is not well-formed JSON ({e.Message}).", source, "header", e);
        }
        using (document)
        {
            var root = document.RootElement;
            var entries = new List<Entry>();
            Dictionary<string, string>? metadata = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new CheckpointFormatException($"the header names '{property.Name}' twice.", source, $"tensor '{property.Name}'");
                if (property.Name == MetadataKey)
                    metadata = ParseMetadata(property.Value, source);
                else
                    entries.Add(ParseEntry(property.Name, property.Value, source));
            }
            return (entries, metadata);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string? source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException($"'{MetadataKey}' must be an object of strings; it is a JSON {value.ValueKind}.", source, MetadataKey);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new CheckpointFormatException($"metadata value '{item.Name}' must be a string; it is a JSON {item.Value.ValueKind}.", source, MetadataKey);
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw new CheckpointFormatException($"metadata key '{item.Name}' appears twice.", source, MetadataKey);
        }
        return metadata;
    }

    private static Entry ParseEntry(string name, JsonElement value, string? source)
    {
        string where = $"tensor '{name}'";
        if (name.Length == 0)
            throw new CheckpointFormatException("a tensor has an empty name.", source, where);
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException($"the entry must be an object with dtype, shape and data_offsets; it is a JSON {value.ValueKind}.", source, where);

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CheckpointFormatException("the entry has no string 'dtype'.", source, where);
        string dtypeName = dtypeElement.GetString()!;
        if (!CheckpointDTypes.TryParseSafetensorsName(dtypeName, out var dtype))
            throw new CheckpointFormatException($"unknown or unsupported dtype '{dtypeName}'; supported: {CheckpointDTypes.SupportedSafetensorsNames()}.", source, where);

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new CheckpointFormatException("the entry has no 'shape' array.", source, where);
        var shape = new int[shapeElement.GetArrayLength()];
        int axis = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out shape[axis]) || shape[axis] < 0)
                throw new CheckpointFormatException($"shape entry {axis} is {dimension.GetRawText()}; dimensions are integers in [0, {int.MaxValue}].", source, where);
            axis++;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new CheckpointFormatException("the entry has no 'data_offsets' array of two integers [begin, end].", source, where);
        long begin = ReadOffset(offsets[0], source, where);
        long end = ReadOffset(offsets[1], source, where);
        if (end < begin)
            throw new CheckpointFormatException($"data_offsets [{begin}, {end}] end before they begin.", source, where);

        long bytes = TensorLayout.ByteLength(shape, dtype, source, where);
        if (end - begin != bytes)
            throw new CheckpointFormatException($"shape {CheckpointTensor.FormatShape(shape)} of {dtype} needs {bytes} bytes, but data_offsets [{begin}, {end}] span {end - begin}.", source, where);
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(JsonElement element, string? source, string where)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long offset) || offset < 0)
            throw new CheckpointFormatException($"data offset {element.GetRawText()} is not a non-negative 64-bit integer.", source, where);
        return offset;
    }

    /// <summary>The tensors must tile the data section: sorted by offset, each begins where the previous ends.</summary>
    private static void CheckCoverage(List<Entry> entries, long dataLength, string? source)
    {
        foreach (var entry in entries)
        {
            if (entry.End > dataLength)
                throw new CheckpointFormatException($"data_offsets [{entry.Begin}, {entry.End}] run past the end of the data section, which holds {dataLength} bytes; the file is truncated or corrupt.", source, $"tensor '{entry.Name}'");
        }
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long covered = 0;
        Entry? previous = null;
        foreach (var entry in sorted)
        {
            if (entry.Begin < covered)
                throw new CheckpointFormatException($"data_offsets [{entry.Begin}, {entry.End}] overlap those of '{previous!.Name}' [{previous.Begin}, {previous.End}].", source, $"tensor '{entry.Name}'");
            if (entry.Begin > covered)
                throw new CheckpointFormatException($"bytes [{covered}, {entry.Begin}) of the data section belong to no tensor (a hole); the format requires the tensors to cover it exactly.", source, $"tensor '{entry.Name}'");
            covered = entry.End;
            previous = entry;
        }
        if (covered != dataLength)
            throw new CheckpointFormatException($"the data section holds {dataLength} bytes but the tensors cover only {covered}; the trailing bytes belong to no tensor.", source, "data");
    }
}
