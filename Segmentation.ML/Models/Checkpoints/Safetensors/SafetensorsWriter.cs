using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Segmentation.ML.Models.Checkpoints.Safetensors;

/// <summary>
/// Writes safetensors: the header lists the tensors in the caller's order; their bytes are laid out by decreasing
/// element size (stable), so every tensor starts at a multiple of its element size, and the header is padded with
/// spaces to a multiple of 8 bytes, as the reference implementation does.
/// </summary>
internal static class SafetensorsWriter
{
    public static void Write(Stream destination, IEnumerable<CheckpointTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in list)
        {
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (tensor.Name == SafetensorsReader.MetadataKey)
                throw new ArgumentException($"A tensor cannot be named '{SafetensorsReader.MetadataKey}'; safetensors reserves that key for metadata.", nameof(tensors));
            if (!names.Add(tensor.Name))
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'; safetensors names must be unique.", nameof(tensors));
        }

        var layout = list.OrderByDescending(t => t.DType.ElementSize()).ToList();
        var offsets = new Dictionary<string, (long Begin, long End)>(StringComparer.Ordinal);
        long position = 0;
        foreach (var tensor in layout)
        {
            offsets[tensor.Name] = (position, position + tensor.ByteLength);
            position += tensor.ByteLength;
        }

        byte[] header = Header(list, offsets, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        destination.Write(length);
        destination.Write(header);
        foreach (var tensor in layout) tensor.WriteBytes(destination);
    }

    private static byte[] Header(List<CheckpointTensor> tensors, Dictionary<string, (long Begin, long End)> offsets, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsReader.MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.SafetensorsName());
                json.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offsets[tensor.Name].Begin);
                json.WriteNumberValue(offsets[tensor.Name].End);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
