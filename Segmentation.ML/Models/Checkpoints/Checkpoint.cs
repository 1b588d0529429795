using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Segmentation.ML.Models.Checkpoints.PyTorch;
using Segmentation.ML.Models.Checkpoints.Safetensors;
using Segmentation.ML.Models.Checkpoints.Storage;

namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// The entry point for pretrained weights: loads safetensors, PyTorch zip (<c>torch.save</c> since 1.6) and PyTorch
/// legacy checkpoints (torchvision's original files) into a <see cref="StateDict"/>, telling the format from the
/// file's first bytes, never from its extension. PyTorch pickles are interpreted by a restricted unpickler that
/// builds data only and refuses every Python global a state dict does not need, like
/// <c>torch.load(weights_only=True)</c>; nothing from a file is ever executed.
/// </summary>
public static class Checkpoint
{
    private const int SniffLength = 512;

    /// <summary>
    /// Loads a checkpoint's keys, dtypes and shapes; tensor values are read from the file when asked for, so loading a
    /// 528 MB VGG16 checkpoint holds no tensor data.
    /// </summary>
    /// <param name="path">A <c>.safetensors</c>, <c>.pth</c> or <c>.pt</c> file, in any of the three formats.</param>
    /// <exception cref="CheckpointFormatException">The file is corrupt, truncated, or in no supported format; the message says where and why.</exception>
    /// <exception cref="UnsafeCheckpointException">A PyTorch pickle imports a global a state dict does not need (e.g. <c>os.system</c>).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static StateDict Load(string path) => Load(path, CheckpointLimits.Default);

    /// <summary>Loads a checkpoint's keys, dtypes and shapes within the given memory limits; see <see cref="Load(string)"/>.</summary>
    /// <param name="path">A <c>.safetensors</c>, <c>.pth</c> or <c>.pt</c> file, in any of the three formats.</param>
    /// <param name="limits">What reading may allocate beyond the file's lazily read tensors.</param>
    /// <exception cref="CheckpointFormatException">The file is corrupt, truncated, in no supported format, or declares more than the limits allow.</exception>
    /// <exception cref="UnsafeCheckpointException">A PyTorch pickle imports a global a state dict does not need (e.g. <c>os.system</c>).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static StateDict Load(string path, CheckpointLimits limits)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(limits);
        using var input = CheckpointInput.OpenFile(path);
        return Guard(path, () => LoadInput(input, limits));
    }

    /// <summary>Loads a checkpoint from a stream (read to its end, into memory; use a path for large files).</summary>
    /// <param name="stream">The checkpoint bytes from the current position on; the stream is not closed.</param>
    /// <param name="name">A name for error messages, e.g. the entry of a model zip.</param>
    /// <param name="limits">What reading may allocate beyond the stream's bytes; <see cref="CheckpointLimits.Default"/> when null.</param>
    /// <exception cref="CheckpointFormatException">The bytes are corrupt, truncated, in no supported format, longer than 2 GB, or declare more than the limits allow.</exception>
    /// <exception cref="UnsafeCheckpointException">A PyTorch pickle imports a global a state dict does not need.</exception>
    public static StateDict Load(Stream stream, string? name = null, CheckpointLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var input = CheckpointInput.FromBytes(ReadToEnd(stream, name), name);
        return Guard(name, () => LoadInput(input, limits ?? CheckpointLimits.Default));
    }

    /// <summary>The SHA-256 of a file as 64 lowercase hex digits, streamed (e.g. to verify a download against its published hash).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static string ComputeSha256(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Recognises torchvision's layouts from keys and shapes: <c>"vgg16"</c> (13 convolutions in <c>features.N</c>),
    /// <c>"vgg11"</c> (8), <c>"mobilenet_v2"</c> (width 1.0, <c>features.0</c> to <c>features.18</c>), or null for
    /// anything else (including the BatchNorm VGG variants). Classifier keys do not matter, so features-only
    /// checkpoints and other class counts are recognised too.
    /// </summary>
    public static string? DetectArchitecture(StateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        return ArchitectureDetector.Detect(key => stateDict.TryGetValue(key, out var tensor) ? tensor.Shape : null, stateDict.Keys);
    }

    private static StateDict LoadInput(CheckpointInput input, CheckpointLimits limits)
    {
        var head = new byte[Math.Min(SniffLength, input.Length)];
        input.ReadAt(0, head);
        if (head.AsSpan().StartsWith("PK\x03\x04"u8) || head.AsSpan().StartsWith("PK\x05\x06"u8))
            return TorchZipReader.Read(input, limits);
        if (TorchLegacyReader.LooksLikeLegacy(head))
            return TorchLegacyReader.Read(input, limits);
        if (TorchLegacyReader.LooksLikeTar(head))
            throw new CheckpointFormatException("this is a tar archive, the checkpoint format of PyTorch releases before March 2017, which is not supported; load it with torch and save it again with torch.save.", input.Name);
        if (head.Length > 8 && head[8] == (byte)'{')
            return SafetensorsReader.Read(input, limits);
        throw new CheckpointFormatException(Unrecognised(head), input.Name);
    }

    private static string Unrecognised(byte[] head)
    {
        string start = Convert.ToHexString(head.AsSpan(0, Math.Min(8, head.Length)));
        string hint = head.Length == 0 ? " The file is empty."
            : head[0] == (byte)'<' ? " It looks like HTML: perhaps an error page was saved instead of the checkpoint."
            : head[0] == 0x80 ? " It is a pickle, but not one torch.save wrote."
            : "";
        return $"the format is not recognised (first bytes {start}); expected safetensors, a PyTorch zip checkpoint or a legacy PyTorch checkpoint.{hint}";
    }

    /// <summary>Runs a reader, turning any stray low-level exception caused by malformed input into a <see cref="CheckpointFormatException"/>.</summary>
    internal static T Guard<T>(string? source, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (CheckpointFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or JsonException or ArgumentException or IndexOutOfRangeException
                                      or OverflowException or FormatException or DecoderFallbackException or InvalidOperationException or InvalidCastException)
        {
            throw new CheckpointFormatException($"the file is malformed ({e.GetType().Name}: {e.Message}).", source, null, e);
        }
    }

    /// <summary>Reads a stream from its position to its end into one array.</summary>
    internal static byte[] ReadToEnd(Stream stream, string? name)
    {
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > Array.MaxLength)
                throw new CheckpointFormatException($"the stream holds {remaining} bytes; streams of at most 2 GB are read into memory. Load large checkpoints from a file path.", name);
            var bytes = new byte[remaining];
            stream.ReadExactly(bytes);
            return bytes;
        }
        using var copy = new MemoryStream();
        try
        {
            stream.CopyTo(copy);
        }
        catch (IOException e) when (copy.Length >= Array.MaxLength - (1 << 20))
        {
            throw new CheckpointFormatException("the stream is longer than 2 GB; load large checkpoints from a file path.", name, null, e);
        }
        return copy.ToArray();
    }
}
