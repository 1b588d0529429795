using Segmentation.ML.Models.Checkpoints.Safetensors;
using Segmentation.ML.Models.Checkpoints.Storage;

namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// Reads and writes safetensors files (https://github.com/huggingface/safetensors): dtypes F32, F16, BF16, F64, I64,
/// I32, I16, I8, U8 and BOOL, with optional string metadata. Reading validates the header length, the JSON, every
/// dtype name, shape × element size against each offset span, and that the tensors cover the data section exactly.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Reads the header of a safetensors file; tensor values are read from the file when asked for.</summary>
    /// <exception cref="CheckpointFormatException">The file is not valid safetensors; the message says where and why.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static StateDict Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var input = CheckpointInput.OpenFile(path);
        return Checkpoint.Guard(input.Name, () => SafetensorsReader.Read(input, CheckpointLimits.Default));
    }

    /// <summary>Reads safetensors from the stream's current position to its end, into memory.</summary>
    /// <param name="stream">The stream; it is read to its end and not closed.</param>
    /// <param name="name">A name for error messages, e.g. the zip entry it comes from.</param>
    /// <exception cref="CheckpointFormatException">The bytes are not valid safetensors, or exceed 2 GB (read large files by path).</exception>
    public static StateDict Read(Stream stream, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var input = CheckpointInput.FromBytes(Checkpoint.ReadToEnd(stream, name), name);
        return Checkpoint.Guard(input.Name, () => SafetensorsReader.Read(input, CheckpointLimits.Default));
    }

    /// <summary>
    /// Writes the tensors to <paramref name="path"/> atomically: into a temporary file in the same folder, which then
    /// replaces the destination, so readers never see a partial file.
    /// </summary>
    /// <param name="path">The destination; an existing file is replaced.</param>
    /// <param name="tensors">The tensors, listed in the header in this order; names must be unique.</param>
    /// <param name="metadata">Optional string metadata, stored as <c>__metadata__</c>.</param>
    /// <exception cref="ArgumentException">Two tensors share a name, or one is named <c>__metadata__</c>.</exception>
    /// <exception cref="CheckpointFormatException">A tensor read from a checkpoint file cannot be read any more (the file changed).</exception>
    public static void Write(string path, IEnumerable<CheckpointTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        IO.AtomicFile.Write(path, stream => SafetensorsWriter.Write(stream, tensors, metadata));
    }

    /// <summary>Writes the tensors as safetensors to <paramref name="destination"/> (e.g. a model zip entry), which stays open.</summary>
    /// <exception cref="ArgumentException">Two tensors share a name, or one is named <c>__metadata__</c>.</exception>
    public static void Write(Stream destination, IEnumerable<CheckpointTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(tensors);
        SafetensorsWriter.Write(destination, tensors, metadata);
    }
}
