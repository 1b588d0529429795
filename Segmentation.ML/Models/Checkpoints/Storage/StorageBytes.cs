namespace Segmentation.ML.Models.Checkpoints.Storage;

/// <summary>
/// The raw little-endian bytes of one storage (a PyTorch storage, or the span of a safetensors data section), read on
/// demand so that a state dict holds only metadata until a tensor's values are asked for.
/// </summary>
internal abstract class StorageBytes
{
    /// <summary>The number of bytes.</summary>
    public abstract long Length { get; }

    /// <summary>Fills <paramref name="destination"/> with the bytes starting at <paramref name="offset"/>.</summary>
    /// <param name="tensorName">The tensor being read, for error messages.</param>
    /// <exception cref="CheckpointFormatException">The backing file changed, vanished or is unreadable.</exception>
    public abstract void Read(long offset, Span<byte> destination, string tensorName);

    /// <summary>The bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) as a storage of their own.</summary>
    public abstract StorageBytes Slice(long offset, long length);

    protected void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Range [{offset}, {offset} + {length}) lies outside a storage of {Length} bytes.");
    }
}

/// <summary>Storage bytes held in memory (decompressed zip entries, streams, tensors built in code).</summary>
internal sealed class MemoryStorageBytes : StorageBytes
{
    private readonly ReadOnlyMemory<byte> bytes;

    public MemoryStorageBytes(ReadOnlyMemory<byte> bytes) => this.bytes = bytes;

    public override long Length => bytes.Length;

    public ReadOnlySpan<byte> Span => bytes.Span;

    public override void Read(long offset, Span<byte> destination, string tensorName)
    {
        CheckRange(offset, destination.Length);
        bytes.Span.Slice((int)offset, destination.Length).CopyTo(destination);
    }

    public override StorageBytes Slice(long offset, long length)
    {
        CheckRange(offset, length);
        return new MemoryStorageBytes(bytes.Slice((int)offset, (int)length));
    }
}

/// <summary>Storage bytes at a known place in a checkpoint file, read with positioned reads when needed.</summary>
internal sealed class FileStorageBytes : StorageBytes
{
    private readonly CheckpointFile file;
    private readonly long start;

    public FileStorageBytes(CheckpointFile file, long start, long length)
    {
        this.file = file;
        this.start = start;
        Length = length;
    }

    public override long Length { get; }

    public override void Read(long offset, Span<byte> destination, string tensorName)
    {
        CheckRange(offset, destination.Length);
        file.Read(start + offset, destination, tensorName);
    }

    public override StorageBytes Slice(long offset, long length)
    {
        CheckRange(offset, length);
        return new FileStorageBytes(file, start + offset, length);
    }
}
